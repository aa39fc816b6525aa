# Reference values for gistreg.stats.cox / cox_zph from R survival::coxph and survival::cox.zph.
#
# Run from the repository root:  Rscript tests/reference/scripts/survival_cox.R
# Writes tests/reference/<dataset>__cox.json and the dataset CSVs under tests/reference/data/
# (a CSV that already exists is left alone, so exports shared with other fixtures are not overwritten).
#
# Every case records the exact R call and a "spec" that the Python test turns into arrays:
#   rows:      "drop_na" = columns whose missing values drop the row (removed explicitly, as R's na.omit would)
#              "where"   = column == value filters
#   event:     ["col", name] or ["eq", name, value]  (status coded 1/2 in lung/pbc: event = status == 2)
#   columns:   model-matrix columns in order, each [name, expr] with expr one of
#              ["col", c], ["log", c], ["eq", c, level]  (treatment contrasts of a factor),
#   strata, cluster: a column name or null (strata_levels: R's factor level order, which orders cox.zph's
#   output by stratum);  weights: an expr or null;  terms: multi-column terms for cox.zph, or null.
suppressPackageStartupMessages({library(survival); library(jsonlite)})

out_dir  <- file.path("tests", "reference")
data_dir <- file.path(out_dir, "data")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)

# Write the dataset (unless present) and fit on what is read back, so that the fixtures describe
# exactly the numbers in the CSV (write.csv keeps 15 significant digits).
export <- function(df, name) {
    path <- file.path(data_dir, paste0(name, ".csv"))
    if (!file.exists(path)) write.csv(df, path, row.names = FALSE, na = "NA")
    df <- read.csv(path, stringsAsFactors = FALSE)
    df[] <- lapply(df, function(v) if (is.integer(v)) as.double(v) else v)  # cox.zph needs doubles
    df
}

src <- list(r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")),
            jsonlite_version = as.character(packageVersion("jsonlite")))

# Relative tolerances (with an absolute floor) that the Python test applies per field.
tol <- list(
    coef = c(rtol = 1e-9, atol = 1e-12), se = c(rtol = 1e-8, atol = 1e-12),
    var = c(rtol = 1e-8, atol = 1e-14), loglik = c(rtol = 1e-12, atol = 1e-12),
    test = c(rtol = 1e-8, atol = 1e-12), p = c(rtol = 1e-7, atol = 1e-15),
    concordance = c(rtol = 1e-12, atol = 1e-14), concordance_se = c(rtol = 1e-8, atol = 1e-14),
    counts = c(rtol = 1e-12, atol = 1e-9), zph_test = c(rtol = 1e-7, atol = 1e-10),
    zph_resid = c(rtol = 1e-7, atol = 1e-9), iterations = c(rtol = 0, atol = 0)
)
tol <- lapply(tol, as.list)

test_list <- function(v) list(stat = unname(v[["test"]]), df = unname(v[["df"]]), p = unname(v[["pvalue"]]))

zph_list <- function(fit, transform, detail) {
    z <- cox.zph(fit, transform = transform)
    tb <- z$table
    r <- list(call = sprintf('cox.zph(fit, transform = "%s")', transform),
              terms = rownames(tb)[-nrow(tb)],
              chisq = unname(tb[, "chisq"]), df = unname(tb[, "df"]), p = unname(tb[, "p"]))
    if (detail) {
        r$x <- unname(z$x)
        r$time <- unname(z$time)
        r$y <- unname(lapply(seq_len(ncol(z$y)), function(j) unname(z$y[, j])))
        r$var <- unname(z$var)
    }
    r
}

fit_case <- function(name, call, spec, zph = character(0), zph_detail = FALSE) {
    warns <- character(0)
    fit <- withCallingHandlers(eval(call), warning = function(w) {
        warns <<- c(warns, conditionMessage(w))
        invokeRestart("muffleWarning")
    })
    s <- summary(fit)
    robust <- !is.null(fit$naive.var)
    naive <- if (robust) fit$naive.var else fit$var
    cf <- s$coefficients
    ci <- s$conf.int
    res <- list(
        names = names(coef(fit)),
        coef = unname(coef(fit)),
        se = unname(sqrt(diag(naive))),
        robust_se = if (robust) unname(sqrt(diag(fit$var))) else NULL,
        var = unname(fit$var),
        information = unname(solve(naive)),
        hr = unname(ci[, "exp(coef)"]),
        hr_ci_lower = unname(ci[, 3]), hr_ci_upper = unname(ci[, 4]),
        z = unname(cf[, "z"]), p = unname(cf[, "Pr(>|z|)"]),
        loglik = unname(fit$loglik),
        lr = test_list(s$logtest), score = test_list(s$sctest),
        # summary.coxph rounds the Wald statistic to 2 decimals for printing; use the unrounded one
        wald = list(stat = fit$wald.test, df = unname(s$waldtest[["df"]]),
                    p = pchisq(fit$wald.test, s$waldtest[["df"]], lower.tail = FALSE)),
        robust_score = if (robust) test_list(s$robscore) else NULL,
        concordance = unname(fit$concordance[["concordance"]]),
        concordance_se = unname(fit$concordance[["std"]]),
        concordance_counts = as.list(fit$concordance[c("concordant", "discordant", "tied.x", "tied.y", "tied.xy")]),
        n = fit$n, n_event = fit$nevent, iterations = fit$iter, ties = fit$method,
        warnings = I(warns)
    )
    zl <- lapply(zph, function(tr) zph_list(fit, tr, zph_detail && tr == "km"))
    names(zl) <- zph
    list(name = name, call = paste(deparse(call, width.cutoff = 500L), collapse = " "),
         spec = spec, result = res, zph = zl)
}

write_fixture <- function(dataset, cases, note, tolerance = tol) {
    path <- file.path(out_dir, paste0(dataset, "__cox.json"))
    obj <- list(source = c(src, list(script = "tests/reference/scripts/survival_cox.R", note = note)),
                tolerance = tolerance, cases = cases)
    write_json(obj, path, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null", na = "null")
    cat("wrote", path, "\n")
}

spec <- function(event, columns, rows = list(), strata = NULL, cluster = NULL, weights = NULL,
                 time = "time", ties = "efron", robust = FALSE, terms = NULL, strata_levels = NULL) {
    list(time = time, event = event, columns = columns, rows = rows, strata = strata, cluster = cluster,
         weights = weights, ties = ties, robust = robust, terms = terms, strata_levels = strata_levels)
}
col <- function(c) list(c, list("col", c))

# ---------------------------------------------------------------- lung
lung_df <- export(survival::lung, "lung")
lung3 <- na.omit(lung_df[, c("time", "status", "age", "sex", "ph.ecog")])
lung4 <- na.omit(lung_df[, c("time", "status", "age", "sex", "ph.ecog", "inst")])
ev2 <- list("eq", "status", 2)
lcols <- list(col("age"), col("sex"), col("ph.ecog"))
lrows <- list(drop_na = c("time", "status", "age", "sex", "ph.ecog"))
lrows4 <- list(drop_na = c("time", "status", "age", "sex", "ph.ecog", "inst"))
lung_cases <- list(
    fit_case("efron", quote(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung3)),
             spec(ev2, lcols, lrows), zph = c("km", "identity", "rank", "log"), zph_detail = TRUE),
    fit_case("breslow", quote(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung3, ties = "breslow")),
             spec(ev2, lcols, lrows, ties = "breslow"), zph = c("km", "identity", "rank"), zph_detail = TRUE),
    fit_case("weights_naive", quote(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung3,
                                          weights = age / 60, robust = FALSE)),
             spec(ev2, lcols, lrows, weights = list("scale", "age", 1 / 60)), zph = c("km")),
    fit_case("weights_robust", quote(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung3,
                                           weights = age / 60, robust = TRUE)),
             spec(ev2, lcols, lrows, weights = list("scale", "age", 1 / 60), robust = TRUE)),
    fit_case("robust", quote(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung3, robust = TRUE)),
             spec(ev2, lcols, lrows, robust = TRUE)),
    fit_case("strata_sex", quote(coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung3)),
             spec(ev2, list(col("age"), col("ph.ecog")), lrows, strata = "sex"),
             zph = c("km", "identity", "rank"), zph_detail = TRUE),
    fit_case("cluster_inst", quote(coxph(Surv(time, status) ~ age + sex + ph.ecog + cluster(inst), data = lung4)),
             spec(ev2, lcols, lrows4, cluster = "inst", robust = TRUE)),
    fit_case("cluster_inst_breslow_weights",
             quote(coxph(Surv(time, status) ~ age + ph.ecog + strata(sex) + cluster(inst), data = lung4,
                         ties = "breslow", weights = age / 60)),
             spec(ev2, list(col("age"), col("ph.ecog")), lrows4, strata = "sex", cluster = "inst",
                  weights = list("scale", "age", 1 / 60), ties = "breslow", robust = TRUE))
)
write_fixture("lung", lung_cases,
              "lung: rows with a missing value in the model variables are removed explicitly (na.omit) before the fit")

# ---------------------------------------------------------------- veteran
cell <- levels(survival::veteran$celltype)
vet <- export(survival::veteran, "veteran")
vet$celltype <- factor(vet$celltype, levels = cell)
vcols <- c(list(col("trt"), col("karno"), col("age"), col("diagtime"), col("prior")),
           lapply(cell[-1], function(l) list(paste0("celltype", l), list("eq", "celltype", l))))
veteran_cases <- list(
    fit_case("efron_celltype",
             quote(coxph(Surv(time, status) ~ trt + karno + age + diagtime + prior + celltype, data = vet)),
             spec(list("col", "status"), vcols,
                  terms = list(trt = "trt", karno = "karno", age = "age", diagtime = "diagtime", prior = "prior",
                               celltype = paste0("celltype", cell[-1]))),
             zph = c("km", "identity", "rank"), zph_detail = TRUE),
    fit_case("breslow_strata_celltype",
             quote(coxph(Surv(time, status) ~ trt + karno + strata(celltype), data = vet, ties = "breslow")),
             spec(list("col", "status"), list(col("trt"), col("karno")), strata = "celltype", ties = "breslow",
                  strata_levels = cell),
             zph = c("km", "rank"), zph_detail = TRUE)
)
write_fixture("veteran", veteran_cases, "veteran: all 137 rows; celltype levels in R's factor order")

# ---------------------------------------------------------------- ovarian
ov <- export(survival::ovarian, "ovarian")
ocols <- list(col("age"), col("ecog.ps"), col("rx"))
ovarian_cases <- list(
    fit_case("efron", quote(coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, data = ov)),
             spec(list("col", "fustat"), ocols, time = "futime"), zph = c("km", "identity"), zph_detail = TRUE),
    fit_case("breslow_robust", quote(coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, data = ov,
                                           ties = "breslow", robust = TRUE)),
             spec(list("col", "fustat"), ocols, time = "futime", ties = "breslow", robust = TRUE)),
    fit_case("weights_int", quote(coxph(Surv(futime, fustat) ~ age + rx, data = ov, weights = resid.ds)),
             spec(list("col", "fustat"), list(col("age"), col("rx")), time = "futime",
                  weights = list("col", "resid.ds")), zph = c("km"))
)
write_fixture("ovarian", ovarian_cases, "ovarian: all 26 rows")

# ---------------------------------------------------------------- colon
rxl <- levels(survival::colon$rx)
co <- export(survival::colon, "colon")
co$rx <- factor(co$rx, levels = rxl)
cocols <- c(lapply(rxl[-1], function(l) list(paste0("rx", l), list("eq", "rx", l))),
            list(col("sex"), col("age"), col("nodes")))
co_all <- na.omit(co[, c("id", "time", "status", "rx", "sex", "age", "nodes", "etype", "obstruct")])
co_death <- co_all[co_all$etype == 2, ]
colon_cases <- list(
    fit_case("cluster_id_strata_etype",
             quote(coxph(Surv(time, status) ~ rx + sex + age + nodes + strata(etype) + cluster(id), data = co_all)),
             spec(list("col", "status"), cocols,
                  list(drop_na = c("id", "time", "status", "rx", "sex", "age", "nodes", "etype", "obstruct")),
                  strata = "etype", cluster = "id", robust = TRUE)),
    fit_case("death_efron",
             quote(coxph(Surv(time, status) ~ rx + sex + age + obstruct + nodes, data = co_death)),
             spec(list("col", "status"), c(cocols[1:4], list(col("obstruct"), col("nodes"))),
                  list(drop_na = c("id", "time", "status", "rx", "sex", "age", "nodes", "etype", "obstruct"),
                       where = list(etype = 2)),
                  terms = list(rx = paste0("rx", rxl[-1]), sex = "sex", age = "age", obstruct = "obstruct",
                               nodes = "nodes")),
             zph = c("km", "identity"), zph_detail = TRUE),
    fit_case("death_breslow",
             quote(coxph(Surv(time, status) ~ rx + sex + age + obstruct + nodes, data = co_death, ties = "breslow")),
             spec(list("col", "status"), c(cocols[1:4], list(col("obstruct"), col("nodes"))),
                  list(drop_na = c("id", "time", "status", "rx", "sex", "age", "nodes", "etype", "obstruct"),
                       where = list(etype = 2)), ties = "breslow"))
)
write_fixture("colon", colon_cases,
              "colon: rows with missing nodes removed explicitly; two rows per patient (etype 1 recurrence, 2 death)")

# ---------------------------------------------------------------- pbc
pb <- export(survival::pbc, "pbc")
pbc5 <- na.omit(pb[, c("time", "status", "age", "edema", "bili", "albumin", "protime")])
pcols <- list(col("age"), col("edema"), list("log(bili)", list("log", "bili")),
              list("log(albumin)", list("log", "albumin")), list("log(protime)", list("log", "protime")))
prows <- list(drop_na = c("time", "status", "age", "edema", "bili", "albumin", "protime"))
pbc_cases <- list(
    fit_case("efron", quote(coxph(Surv(time, status == 2) ~ age + edema + log(bili) + log(albumin) + log(protime),
                                  data = pbc5)),
             spec(ev2, pcols, prows), zph = c("km", "identity", "rank", "log"), zph_detail = TRUE),
    fit_case("breslow", quote(coxph(Surv(time, status == 2) ~ age + edema + log(bili) + log(albumin) +
                                    log(protime), data = pbc5, ties = "breslow")),
             spec(ev2, pcols, prows, ties = "breslow"), zph = c("km"))
)
write_fixture("pbc", pbc_cases, "pbc: rows with missing protime removed explicitly; event = status == 2 (death)")

# ---------------------------------------------------------------- test data 1 (Therneau & Grambsch appendix)
test1 <- export(data.frame(time = c(1, 1, 6, 6, 8, 9), status = c(1, 0, 1, 1, 0, 1), x = c(1, 1, 1, 0, 0, 0)),
                "survival_test1")
t1cases <- list(
    fit_case("efron", quote(coxph(Surv(time, status) ~ x, data = test1, robust = TRUE)),
             spec(list("col", "status"), list(col("x")), robust = TRUE), zph = c("km", "identity"),
             zph_detail = TRUE),
    fit_case("breslow", quote(coxph(Surv(time, status) ~ x, data = test1, ties = "breslow", robust = TRUE)),
             spec(list("col", "status"), list(col("x")), ties = "breslow", robust = TRUE), zph = c("km"))
)
write_fixture("survival_test1", t1cases, "test data 1 of the survival 'Validation' vignette")

# ---------------------------------------------------------------- monotone likelihood (infinite coefficients)
set.seed(1)
mono <- data.frame(time = 1:20, status = rep(c(1, 1, 0, 1), 5), x = rnorm(20))
mono$z <- as.numeric(mono$time > 15)
mono <- export(mono, "cox_monotone")
sep <- export(data.frame(time = 1:6, status = c(1, 1, 1, 0, 1, 0), x = c(0, 0, 0, 1, 1, 1)), "cox_separated")
mono_cases <- list(
    fit_case("loglik_converged", quote(coxph(Surv(time, status) ~ x + z, data = mono)),
             spec(list("col", "status"), list(col("x"), col("z")))),
    fit_case("ran_out", quote(coxph(Surv(time, status) ~ x, data = sep)),
             spec(list("col", "status"), list(col("x")), rows = list(dataset = "cox_separated")))
)
write_fixture("cox_monotone", mono_cases,
              paste("monotone likelihood: z = 1 only after the last-but-four time (R warns 'Loglik converged before",
                    "variable 2'); and a covariate separating events from censorings (R runs out of iterations).",
                    "The second case reads data/cox_separated.csv (spec rows.dataset).",
                    "A coefficient drifting to infinity is only defined by the iteration path, so rounding",
                    "differences grow: the tolerances are looser than for the other fixtures."),
              tolerance = modifyList(tol, lapply(list(coef = c(rtol = 1e-6, atol = 1e-9), se = c(rtol = 1e-5, atol = 1e-9),
                                                      var = c(rtol = 1e-5, atol = 1e-9), test = c(rtol = 1e-6, atol = 1e-9),
                                                      p = c(rtol = 1e-5, atol = 1e-12)), as.list)))
