"""A CDS Hooks 2.0 service over ``kg.decide`` (``kg serve --cds-hooks``): discovery, patient-view, order-select,
order-sign, feedback, JWT verification (kg/publish/cds_hooks/app.py)."""
