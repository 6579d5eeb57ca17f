# Reference values for tests/test_agreement.py (R package multilevel, Bliese).
# Run from the repository root:  Rscript tests/r/agreement_reference.R
# Fixture: tests/r/agreement_fixture.csv (made by tests/r/make_fixtures.py), complete data,
# 7 organisations of sizes 5, 8, 3, 1, 6, 4, 7 ("D" has one respondent, "F" answers 1/5 so
# its variance is above the uniform null and rwg / rwg(j) are capped at 0).
suppressPackageStartupMessages(library(multilevel))

fx <- read.csv("tests/r/agreement_fixture.csv", stringsAsFactors = FALSE)
items <- c("item_1", "item_2", "item_3", "item_4")
show <- function(label, df) {
  cat("#", label, "\n")
  for (i in seq_len(nrow(df))) {
    cat(sprintf("%s %s n=%d\n", df[i, 1], format(df[i, 2], digits = 15), df[i, 3]))
  }
}
fmt <- function(label, value) cat(sprintf("%s = %.15g\n", label, value))

cat("multilevel", as.character(packageVersion("multilevel")), "\n")
show("rwg(fx$x, fx$organisation_id, ranvar = 2)",
     rwg(fx$x, fx$organisation_id, ranvar = 2))
show("rwg(fx$x, fx$organisation_id, ranvar = 1.34)  # slight skew, 5 points",
     rwg(fx$x, fx$organisation_id, ranvar = 1.34))
show("rwg.j(fx[, items], fx$organisation_id, ranvar = 2)",
     rwg.j(fx[, items], fx$organisation_id, ranvar = 2))
show("rwg.j(fx[, items], fx$organisation_id, ranvar = 0.90)  # moderate skew, 5 points",
     rwg.j(fx[, items], fx$organisation_id, ranvar = 0.90))
show("ad.m(fx$x, fx$organisation_id, type = \"mean\")",
     ad.m(fx$x, fx$organisation_id, type = "mean"))
show("ad.m(fx[, items], fx$organisation_id, type = \"mean\")",
     ad.m(fx[, items], fx$organisation_id, type = "mean"))

mod <- aov(score_pct ~ as.factor(organisation_id), data = fx)
fmt("ICC1(aov(score_pct ~ as.factor(organisation_id), data = fx))", ICC1(mod))
fmt("ICC2(aov(score_pct ~ as.factor(organisation_id), data = fx))", ICC2(mod))
mod_x <- aov(x ~ as.factor(organisation_id), data = fx)
fmt("ICC1(aov(x ~ as.factor(organisation_id), data = fx))", ICC1(mod_x))
fmt("ICC2(aov(x ~ as.factor(organisation_id), data = fx))", ICC2(mod_x))
