"""pfnbench results tooling: reading results documents, figures, comparisons, and the
`pfnbench reproduce` orchestration. All measuring happens in the C++ programs."""
