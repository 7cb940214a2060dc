"""Reports: per department and for the hospital, monthly, quarterly and annual analysis reports
(HTML and Excel, Chinese or English), weekly briefs for the Monday meeting, the finance office's
dashboard, and an index of them all."""
