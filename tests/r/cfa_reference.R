# Reference values for tests/test_cfa.py (R package lavaan).
# Run from the repository root:  Rscript tests/r/cfa_reference.R
# Fixture (made by tests/r/make_cfa_fixtures.py): tests/r/cfa_fixture.csv, 3 rounds x 12
# items, 3 factors of 4 items, about 6 % missing answers.
suppressPackageStartupMessages(library(lavaan))
cat("# lavaan", as.character(packageVersion("lavaan")), "\n")
data <- read.csv("tests/r/cfa_fixture.csv")
model <- "
  f1 =~ i1 + i2 + i3 + i4
  f2 =~ i5 + i6 + i7 + i8
  f3 =~ i9 + i10 + i11 + i12
"
measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "ntotal")
vec <- function(x) paste(sprintf("%.10f", x), collapse = ", ")
show <- function(label, fit) {
  cat(label, "\n  fit (", paste(measures, collapse = ", "), ") = ",
      vec(fitMeasures(fit, measures)), "\n", sep = "")
  std <- standardizedSolution(fit)
  std <- std[std$op == "=~", ]
  cat("  std.all =", vec(std$est.std), "\n")
  cat("  se =", vec(std$se), "\n")
}
y2023 <- data[data$year == 2023, ]
show('cfa(model, na.omit(y2023), estimator = "ML", std.lv = TRUE)',
     cfa(model, na.omit(y2023), estimator = "ML", std.lv = TRUE))
show('cfa(model, y2023, estimator = "ML", std.lv = TRUE, missing = "ml")',
     cfa(model, y2023, estimator = "ML", std.lv = TRUE, missing = "ml"))
fit_cov <- cfa(model, y2023, estimator = "ML", std.lv = TRUE, missing = "ml")
cat("  factor correlations (f1~~f2, f1~~f3, f2~~f3) =",
    vec(parameterEstimates(fit_cov)[parameterEstimates(fit_cov)$op == "~~" &
        parameterEstimates(fit_cov)$lhs != parameterEstimates(fit_cov)$rhs, "est"]), "\n")

inv <- c("chisq", "df", "cfi", "rmsea", "srmr")
for (missing in c("ml", "listwise")) {
  for (equal in list("", "loadings", c("loadings", "intercepts"))) {
    if (equal[1] == "") {
      fit <- cfa(model, data, group = "year", estimator = "ML", std.lv = TRUE,
                 missing = missing)
    } else {
      fit <- cfa(model, data, group = "year", estimator = "ML", std.lv = TRUE,
                 group.equal = equal, missing = missing)
    }
    cat(sprintf('cfa(model, data, group = "year", std.lv = TRUE, missing = "%s", group.equal = c(%s))',
                missing, paste0('"', equal, '"', collapse = ", ")),
        "\n  (chisq, df, cfi, rmsea, srmr, ntotal) =",
        vec(fitMeasures(fit, c(inv, "ntotal"))), "\n")
  }
}
