"""Reports: monthly HTML pages and Excel workbooks per department, and an index of them."""
