"""Running a study: the analysis dataset, Table 1, outcomes, response and adverse events of a spec."""
