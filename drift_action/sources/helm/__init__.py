"""Helm charts: `spec` (what to render), `render` (the renderer: the bundled engine in its own
process, or `helm template`), `worker` (that process), `chart` (reading a chart and its
output), `errors` (Helm's messages, made one line)."""
