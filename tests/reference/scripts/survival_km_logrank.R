# Reference values for gistreg.stats.km / logrank / rmst / followup from R survival (survfit, quantile.survfit,
# summary.survfit, survdiff, print.survfit's restricted mean) and an explicit Fleming-Harrington G(rho, gamma) test.
#
# Run from the repository root:  Rscript tests/reference/scripts/survival_km_logrank.R
# Writes tests/reference/<dataset>__{km,logrank,rmst,followup}.json and the R datasets as CSV under
# tests/reference/data/ (a CSV that already exists is left alone: the exports are shared with other fixtures).
#
# Numbers are written with 17 significant digits (sprintf("%.17g")), so they round-trip exactly; R's NA, NaN and
# +-Inf are written as the strings "NA", "NaN", "Inf", "-Inf".
#
# Every case has the exact R call that produced it and an "inputs" spec the Python test turns into arrays:
#   data:     a CSV under tests/reference/data (rows with a missing value in any "drop_na" column removed,
#             as R's na.omit does), or absent when every input is given inline as "values";
#   time:     {"col": c} or {"col": c, "divide": k} (time / k) or {"values": [...]};
#   event:    {"col": c} (0/1), {"col": c, "equals": v} (event = c == v), {"col": c, "not_equals": v}, or values;
#   group, strata: {"col": c} or {"values": [...]} or null;  weights: {"values": [...]} or null.
suppressPackageStartupMessages({library(survival); library(jsonlite)})

out_dir  <- file.path("tests", "reference")
data_dir <- file.path(out_dir, "data")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)
script <- "tests/reference/scripts/survival_km_logrank.R"

export <- function(df, name) {
    path <- file.path(data_dir, paste0(name, ".csv"))
    if (!file.exists(path)) write.csv(df, path, row.names = FALSE, na = "NA")
    invisible(df)
}

src <- list(r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")),
            jsonlite_version = as.character(packageVersion("jsonlite")),
            script = script)

# ------------------------------------------------------------------ JSON helpers (full precision)
fmt <- function(x) {
    x <- as.numeric(x)
    ifelse(is.nan(x), '"NaN"', ifelse(is.na(x), '"NA"',
           ifelse(is.infinite(x), ifelse(x > 0, '"Inf"', '"-Inf"'), sprintf("%.17g", x))))
}
num <- function(x) structure(paste0("[", paste(fmt(x), collapse = ","), "]"), class = "json")
num1 <- function(x) { stopifnot(length(x) == 1); structure(fmt(x), class = "json") }
mat <- function(m) structure(paste0("[", paste(apply(m, 1, function(r) num(r)), collapse = ","), "]"), class = "json")
strs <- function(x) as.list(as.character(x))

write_fixture <- function(dataset, method, cases, tolerance, note) {
    path <- file.path(out_dir, paste0(dataset, "__", method, ".json"))
    obj <- list(source = c(src, list(note = note)), tolerance = tolerance, cases = cases)
    txt <- toJSON(obj, json_verbatim = TRUE, auto_unbox = TRUE, pretty = TRUE, null = "null", digits = NA)
    writeLines(txt, path)
    cat("wrote", path, "\n")
}

deparse1l <- function(call) paste(deparse(call, width.cutoff = 500L), collapse = " ")

# Per-field tolerances applied by the Python tests: |x - r| <= atol + rtol * |r| (NaN/NA and Inf must match).
tol_km <- list(time = list(rtol = 0, atol = 0), counts = list(rtol = 1e-12, atol = 1e-12),
               surv = list(rtol = 1e-12, atol = 1e-15), std_err = list(rtol = 1e-10, atol = 1e-14),
               limits = list(rtol = 1e-10, atol = 1e-14), quantile = list(rtol = 1e-12, atol = 0))
tol_lr <- list(observed = list(rtol = 1e-12, atol = 1e-12), expected = list(rtol = 1e-12, atol = 1e-12),
               variance = list(rtol = 1e-10, atol = 1e-12), chisq = list(rtol = 1e-10, atol = 1e-12),
               p = list(rtol = 1e-8, atol = 1e-300))
tol_rmst <- list(rmean = list(rtol = 1e-12, atol = 1e-12), se = list(rtol = 1e-10, atol = 1e-12))
tol_fu <- list(median = list(rtol = 1e-12, atol = 0), simple_median = list(rtol = 0, atol = 0))

# ------------------------------------------------------------------ input specs -> vectors (as Python does)
col <- function(c, ...) c(list(col = c), list(...))
vals <- function(x) list(values = num(x))
vals_str <- function(x) list(values = strs(x))

spec_rows <- function(df, drop_na) {
    if (length(drop_na) == 0) return(df)
    df[stats::complete.cases(df[, drop_na, drop = FALSE]), , drop = FALSE]
}

# ------------------------------------------------------------------ Kaplan-Meier
km_values <- function(fit, labels, probs, times) {
    nstrat <- if (is.null(fit$strata)) 1 else length(fit$strata)
    q <- quantile(fit, probs = probs)
    sm <- summary(fit, times = times, extend = TRUE)
    curves <- vector("list", nstrat)
    for (i in seq_len(nstrat)) {
        f <- if (nstrat == 1) fit else fit[i]
        pick <- function(m) if (is.matrix(m)) m[i, ] else m
        who <- if (nstrat == 1) rep(TRUE, length(sm$time)) else as.integer(sm$strata) == i
        curves[[i]] <- list(
            group = labels[i], n = num1(if (nstrat == 1) fit$n else fit$n[i]),
            time = num(f$time), n_risk = num(f$n.risk), n_event = num(f$n.event), n_censor = num(f$n.censor),
            surv = num(f$surv), std_err = num(f$std.err), lower = num(f$lower), upper = num(f$upper),
            quantile = num(pick(q$quantile)), quantile_lower = num(pick(q$lower)),
            quantile_upper = num(pick(q$upper)),
            at_time = num(sm$time[who]), at_surv = num(sm$surv[who]), at_std_err = num(sm$std.err[who]),
            at_lower = num(sm$lower[who]), at_upper = num(sm$upper[who]), at_n_risk = num(sm$n.risk[who]),
            at_n_event = num(sm$n.event[who]), at_n_censor = num(sm$n.censor[who]))
    }
    list(logse = fit$logse, conf_int = num1(fit$conf.int), conf_type = fit$conf.type,
         probs = num(probs), times = num(times), curves = curves)
}

km_case <- function(name, call, inputs, labels, conf_type = "log", conf_level = 0.95,
                    probs = c(0.1, 0.25, 0.5, 0.75, 0.9), times = c(0, 30, 180, 365, 500.5, 730, 1000, 1100)) {
    fit <- eval(call)
    stopifnot(length(labels) == (if (is.null(fit$strata)) 1 else length(fit$strata)))
    list(name = name, call = deparse1l(call), inputs = inputs,
         options = list(conf_type = conf_type, conf_level = num1(conf_level)),
         values = km_values(fit, labels, probs, times))
}

# ------------------------------------------------------------------ log-rank
# Fleming-Harrington G(rho, gamma) written out from its definition, one distinct time at a time:
# weight S(t-)^rho (1 - S(t-))^gamma with S the pooled left-continuous Kaplan-Meier within the stratum.
fh_test <- function(time, status, group, strata = NULL, rho = 0, gamma = 0) {
    group <- factor(group)
    k <- nlevels(group)
    if (is.null(strata)) strata <- rep(1, length(time))
    O <- E <- numeric(k)
    V <- matrix(0, k, k)
    for (s in unique(strata)) {
        idx <- strata == s
        tt <- time[idx]; dd <- status[idx]; gg <- as.integer(group[idx])
        S <- 1
        for (u in sort(unique(tt))) {
            risk <- tt >= u
            N <- sum(risk)
            D <- sum(dd[tt == u])
            if (D == 0) next
            w <- S^rho * (1 - S)^gamma
            n_g <- tabulate(gg[risk], k)
            d_g <- tabulate(gg[tt == u & dd == 1], k)
            O <- O + w * d_g
            E <- E + w * D * n_g / N
            if (N > 1) V <- V + w^2 * D * (N - D) / (N * (N - 1)) * (diag(n_g, k) - outer(n_g, n_g) / N)
            S <- S * (N - D) / N
        }
    }
    x <- (O - E)[-1]
    chisq <- sum(solve(V[-1, -1, drop = FALSE], x) * x)
    list(obs = O, exp = E, var = V, chisq = chisq, pvalue = pchisq(chisq, k - 1, lower.tail = FALSE))
}

lr_values <- function(obs, exp, var, chisq, p, labels, strata_labels) {
    o <- if (is.matrix(obs)) rowSums(obs) else obs
    e <- if (is.matrix(exp)) rowSums(exp) else exp
    list(groups = strs(labels), strata = if (is.null(strata_labels)) NULL else strs(strata_labels),
         observed = num(o), expected = num(e), variance = mat(var),
         observed_by_stratum = if (is.matrix(obs)) mat(obs) else NULL,
         expected_by_stratum = if (is.matrix(exp)) mat(exp) else NULL,
         chisq = num1(chisq), df = num1(length(labels) - 1), p = num1(p))
}

lr_case <- function(name, call, inputs, labels, rho = 0, gamma = 0, strata_labels = NULL) {
    fit <- eval(call)
    stopifnot(is.matrix(fit$obs) == !is.null(strata_labels))
    v <- lr_values(fit$obs, fit$exp, fit$var, fit$chisq, fit$pvalue, labels, strata_labels)
    list(name = name, call = deparse1l(call), inputs = inputs,
         options = list(rho = num1(rho), gamma = num1(gamma)), values = v)
}

# ------------------------------------------------------------------ restricted mean (what print.survfit shows)
rmst_case <- function(name, call, inputs, labels, tau) {
    fit <- eval(call)
    tab <- survival:::survmean(fit, scale = 1, rmean = tau)$matrix
    if (!is.matrix(tab)) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
    printed <- capture.output(print(fit, rmean = tau))
    list(name = name, call = sprintf("print(%s, rmean = %s)", deparse1l(call), format(tau, digits = 17)),
         inputs = inputs, options = list(tau = num1(tau)),
         values = list(groups = strs(labels), rmean = num(tab[, "rmean"]), se = num(tab[, "se(rmean)"]),
                       events = num(tab[, "events"]), printed = printed))
}

# ------------------------------------------------------------------ reverse Kaplan-Meier follow-up
fu_case <- function(name, call, inputs, labels, time_vec, group_vec, conf_type = "log") {
    fit <- eval(call)
    q <- quantile(fit, probs = 0.5)
    g <- if (is.null(group_vec)) factor(rep("all", length(time_vec))) else factor(group_vec)
    simple <- tapply(time_vec, g, median)
    list(name = name, call = deparse1l(call), inputs = inputs, options = list(conf_type = conf_type),
         values = list(groups = strs(labels), median = num(q$quantile), lower = num(q$lower),
                       upper = num(q$upper), simple_median_call = "tapply(time, group, median)",
                       simple_median = num(simple)))
}

# ================================================================== data
lung <- export(survival::lung, "lung")
veteran <- export(survival::veteran, "veteran")
ovarian <- export(survival::ovarian, "ovarian")
aml <- export(survival::aml, "aml")

ev_lung <- col("status", equals = 2)
lung_in <- function(group = col("sex"), drop_na = character(0), time = col("time"), weights = NULL,
                    strata = NULL, event = ev_lung)
    list(data = "lung", drop_na = strs(drop_na), time = time, event = event, group = group, strata = strata,
         weights = weights)

n_lung <- nrow(lung)
w_int <- 1 + (seq_len(n_lung) %% 3)
w_frac <- (seq_len(n_lung) %% 5 + 1) / 3
lung_e <- na.omit(lung[, c("time", "status", "sex", "ph.ecog")])
lung_e$ecog <- lung_e$ph.ecog

# ------------------------------------------------------------------ lung: KM
sexlab <- c("1", "2")
ecoglab <- c("0", "1", "2", "3")
lung_km <- list(
    km_case("sex_log", quote(survfit(Surv(time, status) ~ sex, data = lung)), lung_in(), sexlab),
    km_case("sex_loglog", quote(survfit(Surv(time, status) ~ sex, data = lung, conf.type = "log-log")),
            lung_in(), sexlab, conf_type = "log-log"),
    km_case("sex_plain", quote(survfit(Surv(time, status) ~ sex, data = lung, conf.type = "plain")),
            lung_in(), sexlab, conf_type = "plain"),
    km_case("sex_log_90", quote(survfit(Surv(time, status) ~ sex, data = lung, conf.int = 0.9)),
            lung_in(), sexlab, conf_level = 0.9),
    km_case("all", quote(survfit(Surv(time, status) ~ 1, data = lung)), lung_in(group = NULL), "all"),
    km_case("ecog", quote(survfit(Surv(time, status) ~ ph.ecog, data = lung)),
            lung_in(group = col("ph.ecog"), drop_na = "ph.ecog"), c("0", "1", "2", "3")),
    km_case("ecog_loglog", quote(survfit(Surv(time, status) ~ ph.ecog, data = lung, conf.type = "log-log")),
            lung_in(group = col("ph.ecog"), drop_na = "ph.ecog"), c("0", "1", "2", "3"), conf_type = "log-log"),
    km_case("sex_weeks", quote(survfit(Surv(time / 7, status) ~ sex, data = lung)),
            lung_in(time = col("time", divide = 7)), sexlab, times = c(0, 4, 26, 52.5, 100, 150)),
    km_case("sex_integer_weights", quote(survfit(Surv(time, status) ~ sex, data = lung, weights = w_int)),
            lung_in(weights = vals(w_int)), sexlab),
    km_case("sex_fractional_weights", quote(survfit(Surv(time, status) ~ sex, data = lung, weights = w_frac)),
            lung_in(weights = vals(w_frac)), sexlab),
    km_case("sex_fractional_weights_loglog",
            quote(survfit(Surv(time, status) ~ sex, data = lung, weights = w_frac, conf.type = "log-log")),
            lung_in(weights = vals(w_frac)), sexlab, conf_type = "log-log")
)
write_fixture("lung", "km", lung_km, tol_km,
              "lung: all 228 rows (ecog cases: the row with missing ph.ecog removed); event = status == 2")

# ------------------------------------------------------------------ lung: log-rank
lung_e_in <- lung_in(drop_na = "ph.ecog", strata = col("ph.ecog"))
expand <- rep(seq_len(n_lung), w_int)
lung_w <- lung[expand, ]
fh_sex <- function(rho, gamma, strata = FALSE) {
    d <- if (strata) lung_e else lung
    fh_test(d$time, as.integer(d$status == 2), d$sex, if (strata) d$ph.ecog else NULL, rho, gamma)
}
stopifnot(isTRUE(all.equal(fh_sex(1, 0)$chisq, survdiff(Surv(time, status) ~ sex, data = lung, rho = 1)$chisq,
                           tolerance = 1e-12)),
          isTRUE(all.equal(fh_sex(0, 0, TRUE)$chisq,
                           survdiff(Surv(time, status) ~ sex + strata(ph.ecog), data = lung)$chisq,
                           tolerance = 1e-12)))
lung_lr <- list(
    lr_case("sex", quote(survdiff(Surv(time, status) ~ sex, data = lung)), lung_in(), sexlab),
    lr_case("sex_rho1", quote(survdiff(Surv(time, status) ~ sex, data = lung, rho = 1)), lung_in(), sexlab,
            rho = 1),
    lr_case("sex_rho0.5", quote(survdiff(Surv(time, status) ~ sex, data = lung, rho = 0.5)), lung_in(), sexlab,
            rho = 0.5),
    lr_case("sex_strata_ecog", quote(survdiff(Surv(time, status) ~ sex + strata(ph.ecog), data = lung)),
            lung_e_in, sexlab, strata_labels = ecoglab),
    lr_case("sex_strata_ecog_rho1",
            quote(survdiff(Surv(time, status) ~ sex + strata(ph.ecog), data = lung, rho = 1)),
            lung_e_in, sexlab, rho = 1, strata_labels = ecoglab),
    lr_case("ecog", quote(survdiff(Surv(time, status) ~ ph.ecog, data = lung_e)),
            lung_in(group = col("ph.ecog"), drop_na = "ph.ecog"), c("0", "1", "2", "3")),
    lr_case("sex_weeks", quote(survdiff(Surv(time / 7, status) ~ sex, data = lung)),
            lung_in(time = col("time", divide = 7)), sexlab),
    lr_case("sex_integer_weights_as_repeated_rows",
            quote(survdiff(Surv(time, status) ~ sex, data = lung[rep(seq_len(nrow(lung)), w_int), ])),
            lung_in(weights = vals(w_int)), sexlab),
    lr_case("sex_integer_weights_as_repeated_rows_strata_rho1",
            quote(survdiff(Surv(time, status) ~ sex + strata(ph.ecog), data = lung[rep(seq_len(nrow(lung)), w_int), ],
                           rho = 1)),
            list(data = "lung", drop_na = strs("ph.ecog"), time = col("time"), event = ev_lung, group = col("sex"),
                 strata = col("ph.ecog"), weights = vals(w_int[!is.na(lung$ph.ecog)])), sexlab, rho = 1,
            strata_labels = ecoglab),
    lr_case("sex_fh_0_1", quote(fh_test(lung$time, as.integer(lung$status == 2), lung$sex, rho = 0, gamma = 1)),
            lung_in(), sexlab, gamma = 1),
    lr_case("sex_fh_1_1", quote(fh_test(lung$time, as.integer(lung$status == 2), lung$sex, rho = 1, gamma = 1)),
            lung_in(), sexlab, rho = 1, gamma = 1),
    lr_case("sex_fh_0.5_2_strata_ecog",
            quote(fh_test(lung_e$time, as.integer(lung_e$status == 2), lung_e$sex, lung_e$ph.ecog,
                          rho = 0.5, gamma = 2)),
            lung_e_in, sexlab, rho = 0.5, gamma = 2)
)
write_fixture("lung", "logrank", lung_lr, tol_lr,
              paste("lung; fh_test is the Fleming-Harrington G(rho, gamma) statistic written out in this script",
                    "(checked against survdiff for gamma = 0); integer case weights are checked against survdiff",
                    "on the data with each row repeated weight times"))

# ------------------------------------------------------------------ lung: RMST, follow-up
lung_rmst <- list(
    rmst_case("sex_365", quote(survfit(Surv(time, status) ~ sex, data = lung)), lung_in(), sexlab, 365),
    rmst_case("all_365", quote(survfit(Surv(time, status) ~ 1, data = lung)), lung_in(group = NULL), "all", 365),
    rmst_case("sex_at_event_time_310", quote(survfit(Surv(time, status) ~ sex, data = lung)), lung_in(), sexlab,
              310),
    rmst_case("sex_1000", quote(survfit(Surv(time, status) ~ sex, data = lung)), lung_in(), sexlab, 1000),
    rmst_case("sex_beyond_last_1100", quote(survfit(Surv(time, status) ~ sex, data = lung)), lung_in(), sexlab,
              1100),
    rmst_case("sex_weeks_52.5", quote(survfit(Surv(time / 7, status) ~ sex, data = lung)),
              lung_in(time = col("time", divide = 7)), sexlab, 52.5)
)
write_fixture("lung", "rmst", lung_rmst, tol_rmst, "lung; restricted mean and se(rmean) as print.survfit shows them")

lung_fu <- list(
    fu_case("all", quote(survfit(Surv(time, status != 2) ~ 1, data = lung)), lung_in(group = NULL), "all",
            lung$time, NULL),
    fu_case("sex", quote(survfit(Surv(time, status != 2) ~ sex, data = lung)), lung_in(), sexlab,
            lung$time, lung$sex),
    fu_case("sex_loglog", quote(survfit(Surv(time, status != 2) ~ sex, data = lung, conf.type = "log-log")),
            lung_in(), sexlab, lung$time, lung$sex, conf_type = "log-log")
)
write_fixture("lung", "followup", lung_fu, tol_fu,
              "lung; reverse Kaplan-Meier: Surv(time, status != 2) is Surv(time, 1 - event)")

# ------------------------------------------------------------------ veteran
cell <- levels(veteran$celltype)
vet_in <- function(group = col("celltype"), strata = NULL)
    list(data = "veteran", drop_na = character(0), time = col("time"), event = col("status"), group = group,
         strata = strata, weights = NULL)
write_fixture("veteran", "km", list(
    km_case("celltype", quote(survfit(Surv(time, status) ~ celltype, data = veteran)), vet_in(), cell,
            times = c(0, 30, 90, 180, 365, 999)),
    km_case("trt_plain", quote(survfit(Surv(time, status) ~ trt, data = veteran, conf.type = "plain")),
            vet_in(col("trt")), c("1", "2"), conf_type = "plain", times = c(0, 30, 90, 180, 365, 999))
), tol_km, "veteran: all 137 rows; celltype levels in R's factor order (not alphabetical)")
write_fixture("veteran", "logrank", list(
    lr_case("celltype", quote(survdiff(Surv(time, status) ~ celltype, data = veteran)), vet_in(), cell),
    lr_case("celltype_rho0.5", quote(survdiff(Surv(time, status) ~ celltype, data = veteran, rho = 0.5)),
            vet_in(), cell, rho = 0.5),
    lr_case("trt_strata_celltype", quote(survdiff(Surv(time, status) ~ trt + strata(celltype), data = veteran)),
            vet_in(col("trt"), col("celltype")), c("1", "2"), strata_labels = cell),
    lr_case("celltype_fh_1_1", quote(fh_test(veteran$time, veteran$status, veteran$celltype, rho = 1, gamma = 1)),
            vet_in(), cell, rho = 1, gamma = 1)
), tol_lr, "veteran: all 137 rows; celltype levels in R's factor order (not alphabetical)")
write_fixture("veteran", "rmst", list(
    rmst_case("trt_200", quote(survfit(Surv(time, status) ~ trt, data = veteran)), vet_in(col("trt")),
              c("1", "2"), 200),
    rmst_case("celltype_365", quote(survfit(Surv(time, status) ~ celltype, data = veteran)), vet_in(), cell, 365)
), tol_rmst, "veteran: all 137 rows")
write_fixture("veteran", "followup", list(
    fu_case("trt", quote(survfit(Surv(time, 1 - status) ~ trt, data = veteran)), vet_in(col("trt")), c("1", "2"),
            veteran$time, veteran$trt)
), tol_fu, "veteran: all 137 rows; reverse Kaplan-Meier")

# ------------------------------------------------------------------ ovarian, aml
ov_in <- function(group = col("rx"))
    list(data = "ovarian", drop_na = character(0), time = col("futime"), event = col("fustat"), group = group,
         strata = NULL, weights = NULL)
write_fixture("ovarian", "km", list(
    km_case("rx", quote(survfit(Surv(futime, fustat) ~ rx, data = ovarian)), ov_in(), c("1", "2"),
            times = c(0, 100, 365, 730, 1200)),
    km_case("resid_ds_loglog", quote(survfit(Surv(futime, fustat) ~ resid.ds, data = ovarian,
                                             conf.type = "log-log")),
            ov_in(col("resid.ds")), c("1", "2"), conf_type = "log-log", times = c(0, 100, 365, 730, 1200))
), tol_km, "ovarian: all 26 rows")
write_fixture("ovarian", "logrank", list(
    lr_case("rx", quote(survdiff(Surv(futime, fustat) ~ rx, data = ovarian)), ov_in(), c("1", "2"))
), tol_lr, "ovarian: all 26 rows")
write_fixture("ovarian", "followup", list(
    fu_case("rx", quote(survfit(Surv(futime, 1 - fustat) ~ rx, data = ovarian)), ov_in(), c("1", "2"),
            ovarian$futime, ovarian$rx)
), tol_fu, "ovarian: all 26 rows; reverse Kaplan-Meier")

aml_in <- list(data = "aml", drop_na = character(0), time = col("time"), event = col("status"), group = col("x"),
               strata = NULL, weights = NULL)
amlab <- levels(aml$x)
write_fixture("aml", "km", list(
    km_case("x", quote(survfit(Surv(time, status) ~ x, data = aml)), aml_in, amlab, times = c(0, 10, 20, 40, 100)),
    km_case("x_loglog", quote(survfit(Surv(time, status) ~ x, data = aml, conf.type = "log-log")), aml_in, amlab,
            conf_type = "log-log", times = c(0, 10, 20, 40, 100)),
    km_case("x_plain", quote(survfit(Surv(time, status) ~ x, data = aml, conf.type = "plain")), aml_in, amlab,
            conf_type = "plain", times = c(0, 10, 20, 40, 100))
), tol_km, "aml: all 23 rows; the upper limits of several quantiles are NA")
write_fixture("aml", "logrank", list(
    lr_case("x", quote(survdiff(Surv(time, status) ~ x, data = aml)), aml_in, amlab),
    lr_case("x_rho1", quote(survdiff(Surv(time, status) ~ x, data = aml, rho = 1)), aml_in, amlab, rho = 1)
), tol_lr, "aml: all 23 rows")
write_fixture("aml", "rmst", list(
    rmst_case("x_100_beyond_nonmaintained", quote(survfit(Surv(time, status) ~ x, data = aml)), aml_in, amlab, 100)
), tol_rmst, "aml: all 23 rows; tau = 100 lies past the last time of the Nonmaintained group (max 45)")
write_fixture("aml", "followup", list(
    fu_case("x", quote(survfit(Surv(time, 1 - status) ~ x, data = aml)), aml_in, amlab, aml$time, aml$x)
), tol_fu, "aml: all 23 rows; reverse Kaplan-Meier")

# ------------------------------------------------------------------ small constructed data sets (inline inputs)
inline <- function(time, event, group = NULL, weights = NULL)
    list(time = vals(time), event = vals(event), group = if (is.null(group)) NULL else vals_str(group),
         strata = NULL, weights = if (is.null(weights)) NULL else vals(weights))

# S = 0.5 exactly from day 87 to day 118: median is the midpoint 102.5 (the CAMIS plateau example's situation)
plateau <- data.frame(time = c(10, 20, 35, 50, 87, 100, 118, 130, 150, 170),
                      status = c(1, 1, 1, 1, 1, 0, 1, 1, 0, 1))
# curve ends sitting on 0.5: median is the midpoint of that time and the last time
ends_half <- data.frame(time = c(1, 2, 3, 4), status = c(1, 1, 0, 0))
# near ties merged by aeqSurv: absolute (differences <= 1.49e-8) ...
near_abs <- data.frame(time = c(1, 1 + 1e-10, 2, 2 + 1e-8, 3, 3 + 1e-7, 4, 4 + 2e-9, 4 + 4e-9, 5),
                       status = c(1, 1, 1, 0, 1, 1, 0, 1, 1, 1),
                       grp = c("a", "b", "a", "b", "a", "b", "a", "b", "a", "b"))
# ... and relative to the mean time (differences <= 1.49e-8 * mean ~ 15 at 1e9)
near_rel <- data.frame(time = 1e9 + c(0, 5, 20, 30, 44, 60, 61, 100, 114, 200),
                       status = c(1, 1, 1, 0, 1, 1, 1, 0, 1, 1),
                       grp = c("a", "b", "a", "b", "a", "b", "a", "b", "a", "b"))
# tied deaths, a death and a censoring at the same time, a death at time 0, the curve reaching 0
ties <- data.frame(time = c(0, 2, 3, 3, 3, 5, 5, 7, 8, 8),
                   status = c(1, 1, 1, 1, 0, 1, 0, 0, 1, 1),
                   grp = c("x", "y", "x", "y", "y", "x", "x", "y", "x", "y"))
allcens <- data.frame(time = c(3, 5, 5, 8), status = c(0, 0, 0, 0))
fracw <- c(0.5, 1.25, 2, 0.1, 3.3, 1, 0.75, 0, 1.5, 2.2)

write_fixture("micro", "km", list(
    km_case("plateau", quote(survfit(Surv(time, status) ~ 1, data = plateau)),
            inline(plateau$time, plateau$status), "all", probs = c(0.25, 0.5, 0.625), times = c(50, 87, 100, 200)),
    km_case("plateau_loglog", quote(survfit(Surv(time, status) ~ 1, data = plateau, conf.type = "log-log")),
            inline(plateau$time, plateau$status), "all", conf_type = "log-log", probs = c(0.25, 0.5, 0.625),
            times = c(50, 87, 100, 200)),
    km_case("ends_half", quote(survfit(Surv(time, status) ~ 1, data = ends_half)),
            inline(ends_half$time, ends_half$status), "all", probs = c(0.25, 0.5, 0.6), times = c(0, 2, 3.5, 9)),
    km_case("near_ties_absolute", quote(survfit(Surv(time, status) ~ grp, data = near_abs)),
            inline(near_abs$time, near_abs$status, near_abs$grp), c("a", "b"), probs = c(0.25, 0.5),
            times = c(1, 2.5, 4)),
    km_case("near_ties_relative", quote(survfit(Surv(time, status) ~ grp, data = near_rel)),
            inline(near_rel$time, near_rel$status, near_rel$grp), c("a", "b"), probs = c(0.25, 0.5),
            times = 1e9 + c(0, 10, 50, 150)),
    km_case("ties_zero", quote(survfit(Surv(time, status) ~ grp, data = ties)),
            inline(ties$time, ties$status, ties$grp), c("x", "y"), probs = c(0.25, 0.5, 0.75),
            times = c(0, 3, 6, 8, 10)),
    km_case("ties_zero_plain", quote(survfit(Surv(time, status) ~ grp, data = ties, conf.type = "plain")),
            inline(ties$time, ties$status, ties$grp), c("x", "y"), conf_type = "plain",
            probs = c(0.25, 0.5, 0.75), times = c(0, 3, 6, 8, 10)),
    km_case("ties_fractional_weights", quote(survfit(Surv(time, status) ~ 1, data = ties, weights = fracw)),
            inline(ties$time, ties$status, weights = fracw), "all", probs = c(0.25, 0.5),
            times = c(0, 3, 6, 8, 10)),
    km_case("all_censored", quote(survfit(Surv(time, status) ~ 1, data = allcens)),
            inline(allcens$time, allcens$status), "all", probs = c(0.5), times = c(0, 4, 8)),
    km_case("all_censored_loglog", quote(survfit(Surv(time, status) ~ 1, data = allcens, conf.type = "log-log")),
            inline(allcens$time, allcens$status), "all", conf_type = "log-log", probs = c(0.5), times = c(0, 4, 8))
), tol_km, "constructed data sets, each given inline in its case")
write_fixture("micro", "logrank", list(
    lr_case("ties", quote(survdiff(Surv(time, status) ~ grp, data = ties)),
            inline(ties$time, ties$status, ties$grp), c("x", "y")),
    lr_case("ties_rho1", quote(survdiff(Surv(time, status) ~ grp, data = ties, rho = 1)),
            inline(ties$time, ties$status, ties$grp), c("x", "y"), rho = 1),
    lr_case("near_ties_absolute", quote(survdiff(Surv(time, status) ~ grp, data = near_abs)),
            inline(near_abs$time, near_abs$status, near_abs$grp), c("a", "b")),
    lr_case("near_ties_relative", quote(survdiff(Surv(time, status) ~ grp, data = near_rel)),
            inline(near_rel$time, near_rel$status, near_rel$grp), c("a", "b"))
), tol_lr, "constructed data sets, each given inline in its case")
write_fixture("micro", "rmst", list(
    rmst_case("plateau_tau_118", quote(survfit(Surv(time, status) ~ 1, data = plateau)),
              inline(plateau$time, plateau$status), "all", 118),
    rmst_case("ties_tau_6", quote(survfit(Surv(time, status) ~ grp, data = ties)),
              inline(ties$time, ties$status, ties$grp), c("x", "y"), 6)
), tol_rmst, "constructed data sets, each given inline in its case")
