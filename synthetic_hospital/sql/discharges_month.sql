-- One month of discharged episodes as an HIS CSV export, in canonical column names
-- (at_scale_files.copy_discharges writes them under the contract's Chinese headers).
-- $first: the first day (day 0); $start, $end: the month; $outcomes, $payers: the spellings.
select printf('%s-%09d', dept, serial) as episode_id,
       dept,
       $first + admit_day::integer as admit_date,
       $first + discharge_day::integer as discharge_date,
       case when surgery_day > -1000000 then $first + surgery_day::integer end as surgery_date,
       case when surgery_day > -1000000 then surgery_grade end as surgery_grade,
       $outcomes[outcome + 1] as outcome,
       case when complication then '是' else '否' end as complication,
       total_cost::decimal(18, 2) as total_cost,
       drug_cost::decimal(18, 2) as drug_cost,
       consumables_cost::decimal(18, 2) as consumables_cost,
       $payers[payer + 1] as payer,
       printf('%s%02d', chr(65 + (drg // 20)::integer), drg % 20) as drg
from episodes
where $first + discharge_day::integer between $start and $end
order by discharge_day, serial
