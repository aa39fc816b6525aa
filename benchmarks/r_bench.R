# Times R survival / stats on the benchmark data; called by benchmarks/run.py when Rscript is available.
#
# Usage: Rscript r_bench.R <data.csv> <out.json> <repeat> <budget_seconds> <tasks> <fisher_table>
#   tasks         comma-separated subset of km,logrank,logrank_strat,cox,fisher
#   fisher_table  the 2 x k table row by row, comma-separated (e.g. "24,22,19,21,14,16,18,21,19,26")
# Reading the CSV is not timed. Each task is timed with system.time() (elapsed seconds); calls faster than
# 0.05 s are repeated in a loop and the loop's time divided, because system.time() resolves milliseconds.
# The output JSON is a list of {task, seconds (median), runs, values} with full-precision values.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 6) stop("usage: r_bench.R data.csv out.json repeat budget tasks fisher_table")
csv <- args[[1]]
out <- args[[2]]
n_repeat <- as.integer(args[[3]])
budget <- as.numeric(args[[4]])
tasks <- strsplit(args[[5]], ",", fixed = TRUE)[[1]]
cells <- as.integer(strsplit(args[[6]], ",", fixed = TRUE)[[1]])
fisher_tab <- matrix(cells, nrow = 2, byrow = TRUE)

d <- read.csv(csv)
covariates <- setdiff(names(d), c("time", "event", "group", "stratum"))
cox_formula <- as.formula(paste("Surv(time, event) ~", paste(covariates, collapse = " + ")))

km <- function() {
  fit <- survfit(Surv(time, event) ~ group, data = d)  # conf.type = "log" (default)
  q <- quantile(fit, probs = 0.5)
  list(
    median_g0 = q$quantile[1, 1], median_lo_g0 = q$lower[1, 1], median_hi_g0 = q$upper[1, 1],
    median_g1 = q$quantile[2, 1], median_lo_g1 = q$lower[2, 1], median_hi_g1 = q$upper[2, 1]
  )
}
logrank <- function() list(chi2 = survdiff(Surv(time, event) ~ group, data = d)$chisq)
logrank_strat <- function() {
  list(chi2 = survdiff(Surv(time, event) ~ group + strata(stratum), data = d)$chisq)
}
cox <- function() {
  fit <- coxph(cox_formula, data = d, ties = "efron")
  v <- as.list(unname(coef(fit)))
  names(v) <- paste0("coef_", covariates)
  v
}
fisher <- function() list(p = fisher.test(fisher_tab)$p.value)
funs <- list(km = km, logrank = logrank, logrank_strat = logrank_strat, cox = cox, fisher = fisher)

time_task <- function(f) {
  gc()
  first <- system.time(values <- f())[["elapsed"]]
  loops <- if (first < 0.05) max(1L, as.integer(ceiling(0.2 / max(first, 1e-4)))) else 1L
  times <- numeric(0)
  spent <- first
  for (i in seq_len(n_repeat)) {
    gc()
    el <- system.time(for (j in seq_len(loops)) values <- f())[["elapsed"]]
    times <- c(times, el / loops)
    spent <- spent + el
    if (spent > budget) break
  }
  list(seconds = median(times), runs = length(times), values = values)
}

result <- lapply(tasks, function(task) {
  r <- time_task(funs[[task]])
  c(list(task = task), r)
})
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA), out)
