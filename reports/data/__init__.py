"""Reading the warehouse for reports: one `PeriodData` per period, and which of its figures may
be published (blocked by data quality, suppressed below a count)."""
