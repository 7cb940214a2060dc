-- Episodes discharged within the calendar (day numbers from the first day, 0 .. $last_day).
select count(*) from episodes where discharge_day between 0 and $last_day
