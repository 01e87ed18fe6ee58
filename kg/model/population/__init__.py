"""Population rules: one grammar and IR (grammar.py), three backends: OWL classes (owl_class.py), the
three-valued evaluator of the compiled decision path (evaluate.py), the structured criteria that SPARQL
users read (criteria.py, ADR 0010) and FHIRPath expressions for the FHIR CPG export (fhirpath.py)."""

from kg.model.population.grammar import (
           And,
           Expr,
           Not,
           Or,
           Reference,
           RuleError,
           Threshold,
           parse,
           references,
           required_populations,
           unknown_quantities,
)
from kg.model.population.owl_class import compile_rule, define_population

__all__ = ["And", "Expr", "Not", "Or", "Reference", "RuleError", "Threshold", "compile_rule", "define_population",
           "parse", "references", "required_populations", "unknown_quantities"]
