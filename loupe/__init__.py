"""Loupe: a workbench for investigating leaked email archives."""
