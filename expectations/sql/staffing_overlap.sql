-- Overlapping postings (人力资源台账): the same staff code twice in a department on the same day
-- counts the person twice in every FTE figure. The roster has no month column: a finding belongs to
-- each month checked that the overlap touches.
-- Grain: one row per later posting of an overlapping pair and month.
-- Parameters: $months.
with months as (
    select unnest($months::date[]) as month
),

pairs as (
    select
        later.*,
        earlier.start_date as other_start,
        greatest(later.start_date, earlier.start_date) as overlap_start,
        least(coalesce(later.end_date, date '9999-12-31'), coalesce(earlier.end_date, date '9999-12-31'))
            as overlap_end
    from raw_staffing later
    join raw_staffing earlier
        on earlier.dept = later.dept
        and earlier.staff_code = later.staff_code
        and earlier.start_date < later.start_date
        and coalesce(earlier.end_date, date '9999-12-31') >= later.start_date
)

select
    p.dept,
    strftime(m.month, '%Y-%m') as period,
    p.source_file as file,
    p.source_sheet as sheet,
    p.source_row as "row",
    p.staff_code,
    p.start_date,
    p.other_start
from pairs p
join months m on p.overlap_start <= last_day(m.month) and p.overlap_end >= m.month
