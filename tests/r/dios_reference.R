# Reference values for tests/test_dios_portfolio.py (DIOS link to DiMiOS, peer percentiles).
# Run from the repository root:  Rscript tests/r/dios_reference.R
# Reads tests/r/dios_link_fixture.csv (written by tests/r/make_dios_fixture.py).
options(digits = 15)
d <- read.csv("tests/r/dios_link_fixture.csv", colClasses = c(organisation_id = "character"))

cat("== cor.test(d$legacy_pct, d$health_pct)  (pairs with a missing value are dropped)\n")
ct <- cor.test(d$legacy_pct, d$health_pct)
print(c(estimate = unname(ct$estimate), ci_low = ct$conf.int[1], ci_high = ct$conf.int[2],
        p = ct$p.value, n = sum(complete.cases(d[, c("legacy_pct", "health_pct")]))))

cat("== cor.test(d$legacy_pct, d$health_pct, conf.level = 0.90)\n")
ct <- cor.test(d$legacy_pct, d$health_pct, conf.level = 0.90)
print(c(estimate = unname(ct$estimate), ci_low = ct$conf.int[1], ci_high = ct$conf.int[2],
        p = ct$p.value))

cat("== cor.test on the first 5 complete pairs\n")
e <- d[complete.cases(d), ][1:5, ]
ct <- cor.test(e$legacy_pct, e$health_pct)
print(c(estimate = unname(ct$estimate), ci_low = ct$conf.int[1], ci_high = ct$conf.int[2],
        p = ct$p.value))

cat("== mid-rank percentile among the other organisations: 50 * (ecdf(p)(v) + left limit)\n")
midrank <- function(column, org) {
  v <- d[d$organisation_id == org, column]
  p <- d[d$organisation_id != org, column]
  p <- p[!is.na(p)]
  F <- ecdf(p)
  100 * (F(v) + mean(p < v)) / 2
}
for (org in c("K013", "K010", "K001", "K023")) {
  cat(org, "health", midrank("health_pct", org), "legacy", midrank("legacy_pct", org), "\n")
}
