"""Reports: per department and for the hospital, monthly, quarterly and annual analysis reports
(HTML and Excel, Chinese or English), weekly briefs for the Monday meeting, the finance office's
dashboard, and an index of them all.

One direction, one stage per subpackage (tests/test_report_layers.py keeps it so):

    data/     reading the warehouse: `load_period` fetches a period once for every department;
              which figures may be published (data-quality blocks, small-count suppression)
    content/  what a report says: indicators, attention, decompositions, recommendations, peers,
              the weekly brief and the dashboard as plain data; no HTML, no workbook
    render/   how it looks: jinja2 templates (one base page), plotly charts, openpyxl workbooks
    publish/  writing a batch: `render_reports` is the one way reports are written (pipeline,
              `deptops standalone`, topic and package commands, tests), with fingerprints,
              revisions, the index and password-protected packages

and beside them the vocabulary every stage uses: `labels` (the report's words), `periods` (period
keys and titles), `formatting` (how a number looks) and `files` (what report files are called).
A stage imports only the stages before it.
"""
