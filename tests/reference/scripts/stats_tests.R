# Reference values for gistreg.stats.contingency / ranktests / ttest from R stats: fisher.test, chisq.test,
# wilcox.test, t.test and kruskal.test.
#
# Run from the repository root:  Rscript tests/reference/scripts/stats_tests.R
# Writes tests/reference/{contingency__fisher, seed_a_table1__fisher, contingency__chisq, samples__wilcox,
# samples__ttest, samples__kruskal}.json. Every input is given inline in its case (tables as lists of rows).
#
# Numbers are written with 17 significant digits (sprintf("%.17g")), so they round-trip exactly; R's NA, NaN and
# +-Inf are written as the strings "NA", "NaN", "Inf", "-Inf". Each case records the exact R call.
suppressPackageStartupMessages(library(jsonlite))

out_dir <- file.path("tests", "reference")
script <- "tests/reference/scripts/stats_tests.R"
src <- list(r_version = R.version.string,
            stats_version = as.character(packageVersion("stats")),
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
rows_of <- function(m) mat(m)

write_fixture <- function(dataset, method, cases, tolerance, note) {
    path <- file.path(out_dir, paste0(dataset, "__", method, ".json"))
    obj <- list(source = c(src, list(note = note)), tolerance = tolerance, cases = cases)
    txt <- toJSON(obj, json_verbatim = TRUE, auto_unbox = TRUE, pretty = TRUE, null = "null", digits = NA)
    writeLines(txt, path)
    cat("wrote", path, "\n")
}
r_vec <- function(x) paste0("c(", paste(format(x, digits = 17), collapse = ", "), ")")
r_mat <- function(m) sprintf("matrix(%s, nrow = %d)", r_vec(as.vector(m)), nrow(m))
tol <- function(rtol, atol) list(rtol = rtol, atol = atol)
# Python alternative names
py_alt <- function(a) if (a == "two.sided") "two-sided" else a

# ------------------------------------------------------------------ Fisher's exact test
fisher_case <- function(name, m, alternative = "two.sided", conf.level = 0.95) {
    # a larger FEXACT workspace than the default 2e5 (some r x c tables here need it); it changes no result
    r <- fisher.test(m, alternative = alternative, conf.level = conf.level, workspace = 2e7)
    call <- sprintf('fisher.test(%s, alternative = "%s", conf.level = %s, workspace = 2e7)', r_mat(m), alternative,
                    format(conf.level, digits = 17))
    is22 <- all(dim(m) == 2L)
    list(name = name, call = call,
         inputs = list(table = rows_of(m)),
         options = list(alternative = py_alt(alternative), conf_level = num1(conf.level)),
         values = list(p_value = num1(r$p.value),
                       odds_ratio = if (is22) num1(r$estimate) else NULL,
                       conf_int = if (is22) num(r$conf.int) else NULL))
}
M <- function(...) { rows <- list(...); do.call(rbind, rows) }

fisher_cases <- list(
    fisher_case("2x2 small", M(c(3, 1), c(1, 3))),
    fisher_case("2x2 small less", M(c(3, 1), c(1, 3)), "less"),
    fisher_case("2x2 small greater", M(c(3, 1), c(1, 3)), "greater"),
    fisher_case("2x2 small conf 0.90", M(c(3, 1), c(1, 3)), conf.level = 0.90),
    fisher_case("2x2 sex", M(c(8, 8), c(6, 4))),
    fisher_case("2x2 strong less", M(c(10, 2), c(3, 15)), "less"),
    fisher_case("2x2 strong greater", M(c(10, 2), c(3, 15)), "greater"),
    fisher_case("2x2 strong two-sided", M(c(10, 2), c(3, 15))),
    fisher_case("2x2 x at lower end", M(c(0, 5), c(4, 2))),
    fisher_case("2x2 x at upper end", M(c(5, 0), c(2, 4))),
    fisher_case("2x2 x at upper end greater", M(c(5, 0), c(2, 4)), "greater"),
    fisher_case("2x2 zero row", M(c(1, 2), c(0, 0))),
    fisher_case("2x2 large", M(c(120, 80), c(95, 105))),
    fisher_case("2x2 large less 0.99", M(c(120, 80), c(95, 105)), "less", 0.99),
    fisher_case("2x2 one intolerance", M(c(14, 0), c(11, 1))),
    fisher_case("2x3", M(c(3, 1, 4), c(1, 5, 9))),
    fisher_case("3x2 with zeros", M(c(0, 4), c(5, 0), c(2, 2))),
    fisher_case("3x3 n33", M(c(5, 5, 4), c(6, 3, 1), c(2, 3, 4))),
    fisher_case("3x3 n85", M(c(9, 12, 13), c(8, 6, 14), c(10, 8, 5))),
    fisher_case("3x3 n236", M(c(22, 22, 31), c(28, 19, 30), c(29, 36, 19))),
    fisher_case("3x4 n134", M(c(12, 9, 11, 12), c(9, 16, 10, 12), c(14, 15, 8, 6))),
    fisher_case("3x4 zero column", M(c(1, 0, 2, 3), c(0, 0, 5, 2), c(0, 0, 1, 0))),
    fisher_case("4x3 sparse", M(c(0, 3, 0), c(2, 0, 1), c(0, 0, 4), c(1, 1, 0))),
    fisher_case("4x4 n48", M(c(4, 5, 4, 2), c(7, 1, 2, 3), c(4, 2, 0, 1), c(3, 5, 1, 4))),
    fisher_case("4x4 n70", M(c(1, 6, 8, 3), c(5, 4, 6, 5), c(6, 5, 4, 7), c(0, 7, 3, 0))),
    fisher_case("3x5 n138", M(c(6, 10, 10, 6, 13), c(12, 7, 9, 6, 13), c(12, 8, 9, 7, 10))),
    fisher_case("2x5 n200", M(c(30, 25, 40, 35, 30), c(10, 15, 5, 8, 2))),
    fisher_case("2x10 n200", M(c(12, 8, 10, 9, 11, 7, 14, 10, 9, 10), c(9, 11, 8, 12, 10, 13, 7, 9, 11, 10))),
    fisher_case("2x10 sparse", M(c(0, 3, 1, 0, 2, 5, 0, 1, 4, 0), c(2, 0, 0, 3, 1, 0, 2, 2, 0, 1))),
    fisher_case("5x5 n55", M(c(3, 3, 1, 2, 5), c(2, 2, 2, 2, 1), c(0, 2, 3, 3, 3), c(2, 2, 1, 1, 4), c(3, 0, 2, 4, 2))),
    fisher_case("5x5 diagonal n46", M(c(7, 1, 0, 0, 1), c(1, 6, 1, 0, 0), c(0, 1, 8, 1, 0), c(1, 0, 1, 7, 0),
                                      c(0, 1, 0, 1, 8)))
)
write_fixture("contingency", "fisher", fisher_cases,
              list(p_value = tol(1e-9, 1e-14), odds_ratio = tol(1e-9, 1e-12), conf_int = tol(1e-9, 1e-12)),
              "constructed tables; FEXACT (r x c) and the 2x2 formulas of fisher.test")

# ------------------------------------------------------------------ seed a, Table 1 (counts as published)
# Arms as columns: imatinib rechallenge + BSC (n = 14), BSC alone (n = 12). 'published' is the printed p-value.
seed_case <- function(name, im, bsc, levels, published, note = NULL) {
    m <- cbind(im, bsc)
    r <- fisher.test(m)
    list(name = name, call = sprintf("fisher.test(cbind(%s, %s))", r_vec(im), r_vec(bsc)),
         levels = as.list(levels), note = note,
         inputs = list(table = rows_of(m)),
         options = list(alternative = "two-sided", conf_level = num1(0.95)),
         values = list(p_value = num1(r$p.value), published = num1(published)))
}
seed_cases <- list(
    seed_case("sex", c(8, 6), c(8, 4), c("male", "female"), 0.701),
    seed_case("ecog_ps", c(8, 6, 0, 0), c(4, 5, 1, 2), c("1", "2", "3", "4"), 0.220),
    seed_case("change_in_ps", c(1, 1, 12), c(0, 8, 4), c("better", "worse", "no change"), 0.003),
    seed_case("primary_site", c(5, 7, 1, 1), c(3, 7, 1, 1), c("stomach", "small intestine", "rectum", "other"), 0.913),
    seed_case("metastatic_sites", c(5, 9, 3), c(8, 9, 2), c("liver", "peritoneum", "other"), 0.728,
              "multi-select: 17 and 19 site mentions for 14 and 12 patients, tested as if they were patients"),
    seed_case("best_response", c(3, 3, 1, 3, 4), c(4, 2, 2, 4, 0), c("CR", "PR", "SD", "PD", "NE"), 0.351),
    seed_case("reason_for_cessation", c(14, 0), c(11, 1), c("resistance", "intolerance"), 0.462)
)
write_fixture("seed_a_table1", "fisher", seed_cases, list(p_value = tol(1e-9, 1e-14)),
              "seed a (000_f7a449c4dfdf80f2.txt), Table 1: counts per arm as printed; 'published' is the printed p")

# ------------------------------------------------------------------ chi-squared test
chisq_case <- function(name, m, correct = TRUE) {
    r <- suppressWarnings(chisq.test(m, correct = correct))
    list(name = name, call = sprintf("chisq.test(%s, correct = %s)", r_mat(m), correct),
         inputs = list(table = rows_of(m)), options = list(correct = correct),
         values = list(statistic = num1(r$statistic), df = num1(r$parameter), p_value = num1(r$p.value),
                       expected = mat(r$expected), residuals = mat(r$residuals), stdres = mat(r$stdres),
                       method = r$method, n_expected_below_5 = sum(r$expected < 5)))
}
chisq_cases <- list(
    chisq_case("2x2 yates", M(c(8, 8), c(6, 4))),
    chisq_case("2x2 no correction", M(c(8, 8), c(6, 4)), FALSE),
    chisq_case("2x2 large yates", M(c(120, 80), c(95, 105))),
    chisq_case("2x2 correction below 0.5", M(c(10, 10), c(10, 11))),
    chisq_case("2x2 exact independence", M(c(10, 20), c(5, 10))),
    chisq_case("3x3", M(c(9, 12, 13), c(8, 6, 14), c(10, 8, 5))),
    chisq_case("3x3 correct ignored", M(c(9, 12, 13), c(8, 6, 14), c(10, 8, 5)), TRUE),
    chisq_case("2x5 small expected", M(c(3, 1, 0, 2, 5), c(4, 2, 1, 0, 6))),
    chisq_case("2x2 non-integer counts", M(c(2.5, 3), c(4, 1.5)))
)
write_fixture("contingency", "chisq", chisq_cases,
              list(statistic = tol(1e-12, 1e-14), p_value = tol(1e-10, 1e-15), expected = tol(1e-14, 1e-14),
                   residuals = tol(1e-12, 1e-14), stdres = tol(1e-12, 1e-14)),
              "constructed tables")

# ------------------------------------------------------------------ samples for the two-sample and k-sample tests
set.seed(20240611)
cont_x <- round(rnorm(9, 10, 2), 4)
cont_y <- round(rnorm(11, 12, 3), 4)
tied_x <- round(rnorm(14, 5, 2))
tied_y <- round(rnorm(12, 6, 2))
big_x <- round(rnorm(60, 0, 1), 5)
big_y <- round(rnorm(55, 0.4, 1.3), 5)
stopifnot(!anyDuplicated(c(cont_x, cont_y)), !anyDuplicated(c(big_x, big_y)), anyDuplicated(c(tied_x, tied_y)) > 0)

wilcox_case <- function(name, x, y, alternative = "two.sided", exact = NULL, correct = TRUE) {
    r <- suppressWarnings(wilcox.test(x, y, alternative = alternative, exact = exact, correct = correct))
    call <- sprintf('wilcox.test(%s, %s, alternative = "%s", exact = %s, correct = %s)', r_vec(x), r_vec(y),
                    alternative, if (is.null(exact)) "NULL" else exact, correct)
    list(name = name, call = call, inputs = list(x = num(x), y = num(y)),
         options = list(alternative = py_alt(alternative), exact = exact, correct = correct),
         values = list(statistic = num1(r$statistic), p_value = num1(r$p.value), method = r$method))
}
wilcox_cases <- list(
    wilcox_case("exact two-sided", cont_x, cont_y),
    wilcox_case("exact less", cont_x, cont_y, "less"),
    wilcox_case("exact greater", cont_x, cont_y, "greater"),
    wilcox_case("exact tiny", c(1.5, 3.2), c(0.4, 2.2, 5.1)),
    wilcox_case("exact one vs five", c(4.4), c(0.1, 1.2, 2.3, 3.4, 5.5)),
    wilcox_case("normal forced", cont_x, cont_y, exact = FALSE),
    wilcox_case("normal forced no correction", cont_x, cont_y, exact = FALSE, correct = FALSE),
    wilcox_case("ties two-sided", tied_x, tied_y),
    wilcox_case("ties less", tied_x, tied_y, "less"),
    wilcox_case("ties greater no correction", tied_x, tied_y, "greater", correct = FALSE),
    wilcox_case("ties exact requested", tied_x, tied_y, exact = TRUE),
    wilcox_case("n >= 50 default normal", big_x, big_y),
    wilcox_case("n >= 50 exact requested", big_x, big_y, exact = TRUE)
)
write_fixture("samples", "wilcox", wilcox_cases,
              list(statistic = tol(0, 1e-12), p_value = tol(1e-10, 1e-15)),
              "samples drawn with set.seed(20240611) and rounded; values are inline")

ttest_case <- function(name, x, y, var.equal = FALSE, alternative = "two.sided", conf.level = 0.95) {
    r <- t.test(x, y, var.equal = var.equal, alternative = alternative, conf.level = conf.level)
    call <- sprintf('t.test(%s, %s, var.equal = %s, alternative = "%s", conf.level = %s)', r_vec(x), r_vec(y),
                    var.equal, alternative, format(conf.level, digits = 17))
    list(name = name, call = call, inputs = list(x = num(x), y = num(y)),
         options = list(equal_var = var.equal, alternative = py_alt(alternative), conf_level = num1(conf.level)),
         values = list(statistic = num1(r$statistic), df = num1(r$parameter), p_value = num1(r$p.value),
                       conf_int = num(r$conf.int), mean_x = num1(r$estimate[1]), mean_y = num1(r$estimate[2]),
                       std_err = num1(r$stderr), method = r$method))
}
ttest_cases <- list(
    ttest_case("welch", cont_x, cont_y),
    ttest_case("welch less", cont_x, cont_y, alternative = "less"),
    ttest_case("welch greater 0.90", cont_x, cont_y, alternative = "greater", conf.level = 0.90),
    ttest_case("pooled", cont_x, cont_y, var.equal = TRUE),
    ttest_case("pooled less", tied_x, tied_y, var.equal = TRUE, alternative = "less"),
    ttest_case("welch unequal n", big_x, cont_y),
    ttest_case("welch n = 2", c(1.5, 2.5), c(3.1, 4.7, 2.2)),
    ttest_case("pooled n = 1", c(1.5), c(3.1, 4.7, 2.2), var.equal = TRUE)
)
write_fixture("samples", "ttest", ttest_cases,
              list(statistic = tol(1e-12, 1e-14), df = tol(1e-12, 1e-12), p_value = tol(1e-10, 1e-15),
                   conf_int = tol(1e-11, 1e-13), mean_x = tol(1e-14, 1e-14), mean_y = tol(1e-14, 1e-14),
                   std_err = tol(1e-13, 1e-15)),
              "samples drawn with set.seed(20240611) and rounded; values are inline")

kruskal_case <- function(name, x, g) {
    r <- kruskal.test(x, g)
    gg <- if (is.numeric(g)) num(g) else as.list(g)
    list(name = name, call = sprintf("kruskal.test(%s, %s)", r_vec(x),
                                     if (is.numeric(g)) r_vec(g) else paste0("c(", paste0('"', g, '"', collapse = ", "), ")")),
         inputs = list(values = num(x), groups = gg),
         values = list(statistic = num1(r$statistic), df = num1(r$parameter), p_value = num1(r$p.value),
                       method = r$method))
}
kw_x <- c(tied_x, tied_y, round(rnorm(9, 7, 2)))
kw_g <- c(rep("a", 14), rep("b", 12), rep("c", 9))
kruskal_cases <- list(
    kruskal_case("three groups with ties", kw_x, kw_g),
    kruskal_case("two groups continuous", c(cont_x, cont_y), c(rep(1, 9), rep(2, 11))),
    kruskal_case("four numeric groups", c(cont_x, cont_y, big_x[1:10]), c(rep(3, 9), rep(1, 6), rep(2, 5), rep(4, 10))),
    kruskal_case("small with ties", c(1, 2, 2, 3, 4, 2, 3, 5, 5, 6, 1, 1), c(rep("x", 5), rep("y", 5), rep("z", 2)))
)
write_fixture("samples", "kruskal", kruskal_cases,
              list(statistic = tol(1e-12, 1e-14), p_value = tol(1e-10, 1e-15)),
              "samples drawn with set.seed(20240611) and rounded; values are inline")
