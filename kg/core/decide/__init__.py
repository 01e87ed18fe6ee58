"""Deciding for one patient: ``decision`` runs the stages (prepare, derive, classify, assess, report) and holds
the Decision; ``classify/`` is the classify stage (the compiled classifier, or the DL reasoner). (``kg.decide``
is the public function ``kg.core.decide.decision.decide``.)
"""
