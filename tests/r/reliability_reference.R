# Reference values for tests/test_reliability.py (R package psych).
# Run from the repository root:  Rscript tests/r/reliability_reference.R
# Fixtures (made by tests/r/make_fixtures.py): tests/r/reliability_fixture.csv (80 x 6,
# complete) and tests/r/reliability_fixture_missing.csv (the same with about 8 % NA).
suppressPackageStartupMessages(library(psych))

complete <- read.csv("tests/r/reliability_fixture.csv")
missing <- read.csv("tests/r/reliability_fixture_missing.csv")
# i6 left unreversed: the complete fixture with i6 turned around (6 - i6)
unreversed <- complete
unreversed$i6 <- 6 - unreversed$i6

vec <- function(x) paste(sprintf("%.12f", x), collapse = ", ")

report_alpha <- function(label, data) {
  a <- alpha(data, warnings = FALSE)  # defaults: use = "pairwise", check.keys = FALSE
  cat("#", label, "\n")
  cat("raw_alpha =", sprintf("%.12f", a$total$raw_alpha), "\n")
  cat("std.alpha =", sprintf("%.12f", a$total$std.alpha), "\n")
  cat("feldt lower, upper =", vec(c(a$feldt$lower.ci, a$feldt$upper.ci)), "\n")
  cat("item.stats$r.drop = [", vec(a$item.stats$r.drop), "]\n")
  cat("alpha.drop$raw_alpha = [", vec(a$alpha.drop$raw_alpha), "]\n")
  cat("item.stats$n = [", paste(a$item.stats$n, collapse = ", "), "]\n")
}

report_omega <- function(label, data) {
  # One-factor ML solution on the pairwise correlation matrix; omega total from loadings:
  # (sum lambda)^2 / ((sum lambda)^2 + sum(1 - lambda^2)).
  f <- fa(data, nfactors = 1, fm = "ml", use = "pairwise")
  l <- as.numeric(f$loadings)
  u <- 1 - l^2
  cat("#", label, "\n")
  cat("fa loadings = [", vec(l), "]\n")
  cat("omega_total =", sprintf("%.12f", sum(l)^2 / (sum(l)^2 + sum(u))), "\n")
}

cat("psych", as.character(packageVersion("psych")), "\n")
report_alpha("alpha(complete)", complete)
report_alpha("alpha(missing)", missing)
report_alpha("alpha(unreversed)  # i6 <- 6 - i6", unreversed)
report_omega("fa(complete, nfactors = 1, fm = \"ml\")", complete)
report_omega("fa(missing, nfactors = 1, fm = \"ml\", use = \"pairwise\")", missing)
# cross-check of the ML fit with a tight tolerance (complete data only)
fct <- factanal(complete, factors = 1, control = list(opt = list(factr = 1)))
l <- as.numeric(fct$loadings)
cat("# factanal(complete, factors = 1, control = list(opt = list(factr = 1)))\n")
cat("loadings = [", vec(l), "]\n")
cat("omega_total =", sprintf("%.12f", sum(l)^2 / (sum(l)^2 + sum(1 - l^2))), "\n")
