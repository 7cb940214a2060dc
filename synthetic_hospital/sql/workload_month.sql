-- One month of the daily workload ledger as a Parquet export (English canonical headers).
select * from workload where date between $start and $end order by dept, date
