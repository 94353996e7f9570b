"""Drawing models and training curves: layout in pure Python, SVG as text, PNG/PDF via matplotlib."""
