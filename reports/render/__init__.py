"""How a report looks: the HTML pages (jinja2 templates extending one base page, plotly charts)
and the Excel workbooks (openpyxl), rendered from the content objects of `reports.content`."""
