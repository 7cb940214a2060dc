"""What a report says, built from `PeriodData` as plain data (no HTML, no workbook): the period
report (`report.ReportContent`), the weekly brief and the dashboard, and the analysis they share."""
