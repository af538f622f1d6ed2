"""The metadata model and its loaders."""

from cdiscflow.specs.loader import dump_dataset, load_codelists, load_dataset, load_datasets
from cdiscflow.specs.model import Codelist, Dataset, Term, ValueLevel, Variable

__all__ = ["Codelist", "Dataset", "Term", "ValueLevel", "Variable", "dump_dataset", "load_codelists",
           "load_dataset", "load_datasets"]
