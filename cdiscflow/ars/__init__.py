"""CDISC Analysis Results Standard (ARS v1): run a reporting event on ADaM data (:mod:`cdiscflow.ars.engine`)."""
