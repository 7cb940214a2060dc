-- Every department in each group it is summed into: itself, the hospital (ALL) and its kind
-- (KIND:medical, KIND:surgical, ...). A department without a kind is in no kind group (specs.toml).
-- Reads: raw_departments.
select code as dept, code as group_code from raw_departments
union all
select code, 'ALL' from raw_departments
union all
select code, 'KIND:' || kind from raw_departments where kind is not null
