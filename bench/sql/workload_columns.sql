-- The daily workload columns the pandas baseline needs, from its Parquet files ($files):
-- pandas reads Parquet only through pyarrow or fastparquet, neither installed.
select date, dept, discharges, open_beds, census from read_parquet($files)
