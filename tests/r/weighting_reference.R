# Reference values for tests/test_weighting.py (R package survey).
# Run from the repository root:  Rscript tests/r/weighting_reference.R
# Fixtures (made by tests/r/make_weighting_fixtures.py): tests/r/weighting_frame.csv (the
# register, 300 organisations) and tests/r/weighting_sample.csv (110 responding
# organisations with their score and merged post-stratum `stratum`).
suppressPackageStartupMessages(library(survey))
cat("# survey", as.character(packageVersion("survey")), "\n")

frame <- read.csv("tests/r/weighting_frame.csv")
sample <- read.csv("tests/r/weighting_sample.csv")
sample$N <- nrow(frame)

show <- function(label, est) {
  ci <- confint(est)  # Wald interval with normal quantiles, level 0.95
  cat(label, ": estimate, se, ci_low, ci_high = ",
      paste(sprintf("%.12f", c(coef(est), SE(est), ci[1, 1], ci[1, 2])), collapse = ", "),
      "\n", sep = "")
}
show_by <- function(label, est) {
  for (k in seq_len(nrow(est))) {
    cat(label, " [", as.character(est[k, 1]), "]: estimate, se = ",
        sprintf("%.12f", est[k, 2]), ", ", sprintf("%.12f", est[k, 3]), "\n", sep = "")
  }
}

design <- svydesign(ids = ~1, fpc = ~N, data = sample)
show("none svymean(~score, design)", svymean(~score, design))
show_by("none svyby(~score, ~type, design, svymean)", svyby(~score, ~type, design, svymean))

population <- as.data.frame(table(stratum = frame$stratum))
post <- postStratify(design, ~stratum, population)
show("poststratified svymean(~score, postStratify(design, ~stratum, population))",
     svymean(~score, post))
show_by("poststratified svyby(~score, ~type, post, svymean)",
        svyby(~score, ~type, post, svymean))
ci90 <- confint(svymean(~score, post), level = 0.90)
cat("poststratified confint(level = 0.90) =", sprintf("%.12f", ci90), "\n")

margins <- list(as.data.frame(table(type = frame$type)),
                as.data.frame(table(size_class = frame$size_class)),
                as.data.frame(table(county = frame$county)))
raked <- rake(design, list(~type, ~size_class, ~county), margins,
              control = list(maxit = 1000, epsilon = 1e-13))
show("raked svymean(~score, rake(design, list(~type, ~size_class, ~county), margins))",
     svymean(~score, raked))
show_by("raked svyby(~score, ~type, raked, svymean)", svyby(~score, ~type, raked, svymean))
show_by("raked svyby(~score, ~county, raked, svymean)", svyby(~score, ~county, raked, svymean))
w <- weights(raked)
cat("raked weights of O003, O005 =", sprintf("%.12f", w[1:2]), "\n")

# design = "stratified": the respondents as a stratified SRS within the merged post-strata
sample$Nh <- as.vector(table(frame$stratum)[sample$stratum])
stratified <- svydesign(ids = ~1, strata = ~stratum, fpc = ~Nh, data = sample)
show("stratified svymean(~score, svydesign(ids = ~1, strata = ~stratum, fpc = ~Nh))",
     svymean(~score, stratified))
show_by("stratified svyby(~score, ~type, stratified, svymean)",
        svyby(~score, ~type, stratified, svymean))
stratified_post <- postStratify(stratified, ~stratum, population)
show("stratified + postStratify(~stratum) svymean", svymean(~score, stratified_post))
stratified_raked <- rake(stratified, list(~type, ~size_class, ~county), margins,
                         control = list(maxit = 1000, epsilon = 1e-13))
show("stratified + rake(list(~type, ~size_class, ~county)) svymean",
     svymean(~score, stratified_raked))
show_by("stratified + rake svyby(~score, ~type, ., svymean)",
        svyby(~score, ~type, stratified_raked, svymean))
