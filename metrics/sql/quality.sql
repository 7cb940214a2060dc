-- Quality (质量): from discharged episodes, counted by discharge date in P.
-- Reads: period_sums. Denominators count the episodes whose field was recorded, except mortality:
-- a death is recorded (转归 or 离院方式) and every other discharged episode is a survivor.

-- cure_rate = episodes cured / episodes
select grain, period, dept, 'cure_rate' as metric, cured_episodes as numerator, outcome_episodes as denominator from period_sums
union all
-- cure_improve_rate = episodes cured or improved / episodes
select grain, period, dept, 'cure_improve_rate', cured_improved_episodes, outcome_episodes from period_sums
union all
-- mortality_rate = episodes died / all discharged episodes
select grain, period, dept, 'mortality_rate', died_episodes, episodes from period_sums
union all
-- complication_rate = episodes with a complication / episodes
select grain, period, dept, 'complication_rate', complication_episodes, complication_recorded_episodes from period_sums
union all
-- grade34_surgery_share = episodes with surgery grade 3 or 4 / episodes with a surgery date
select grain, period, dept, 'grade34_surgery_share', grade34_episodes, surgical_episodes from period_sums
union all
-- grade4_surgery_share = episodes with surgery grade 4 / episodes with a surgery date
select grain, period, dept, 'grade4_surgery_share', grade4_episodes, surgical_episodes from period_sums
