"""The HTML pages: the report with its certificates, charts, Jinja2 templates."""
