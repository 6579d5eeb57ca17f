# Reference values for tests/test_longitudinal.py.
# Run from the repository root:  Rscript tests/r/longitudinal_reference.R
# Reads tests/r/longitudinal_panel.csv (written by tests/r/make_longitudinal_fixtures.py).
suppressPackageStartupMessages({
  library(lme4)
  library(sandwich)
  library(lmtest)
})
options(digits = 15)
d <- read.csv("tests/r/longitudinal_panel.csv")
d$year_c <- d$year - 2021

cat("== m1 <- lmer(score_pct ~ year + (1 | organisation_id), data = d, REML = TRUE)\n")
m1 <- lmer(score_pct ~ year + (1 | organisation_id), data = d, REML = TRUE)
print(fixef(m1)); print(sqrt(diag(as.matrix(vcov(m1)))))
print(as.data.frame(VarCorr(m1))[, c("grp", "var1", "var2", "vcov")])

cat("== m1c <- lmer(score_pct ~ year_c + (1 | organisation_id), data = d, REML = TRUE)\n")
m1c <- lmer(score_pct ~ year_c + (1 | organisation_id), data = d, REML = TRUE)
print(fixef(m1c)); print(sqrt(diag(as.matrix(vcov(m1c)))))

cat("== m2 <- lmer(score_pct ~ year_c + (1 + year_c | organisation_id), data = d, REML = TRUE)\n")
m2 <- lmer(score_pct ~ year_c + (1 + year_c | organisation_id), data = d, REML = TRUE,
           control = lmerControl(optimizer = "bobyqa"))
print(fixef(m2)); print(sqrt(diag(as.matrix(vcov(m2)))))
print(as.data.frame(VarCorr(m2))[, c("grp", "var1", "var2", "vcov")])

cat("== TWFE DiD: lm(score_pct ~ D + factor(organisation_id) + factor(year)), vcovCL HC1\n")
d$D <- as.integer(!is.na(d$programme_start) & d$year >= d$programme_start)
fit <- lm(score_pct ~ D + factor(organisation_id) + factor(year), data = d)
V <- vcovCL(fit, cluster = ~organisation_id, type = "HC1")
print(c(estimate = unname(coef(fit)["D"]), se = sqrt(V["D", "D"])))

cat("== event study, leads = 2, lags = 2 (event time binned to [-2, 2], reference -1)\n")
rel <- ifelse(is.na(d$programme_start), NA, d$year - d$programme_start)
rel <- pmin(pmax(rel, -2), 2)
for (k in c(-2, 0, 1, 2)) {
  d[[paste0("ev_", sub("-", "m", k))]] <- as.integer(!is.na(rel) & rel == k)
}
fe <- lm(score_pct ~ ev_m2 + ev_0 + ev_1 + ev_2 + factor(organisation_id) + factor(year),
         data = d)
Ve <- vcovCL(fe, cluster = ~organisation_id, type = "HC1")
ev <- c("ev_m2", "ev_0", "ev_1", "ev_2")
print(cbind(estimate = coef(fe)[ev], se = sqrt(diag(Ve)[ev])))
# Wald statistic of the single lead (ev_m2 = 0) with the cluster-robust covariance.
print(c(wald = unname(coef(fe)["ev_m2"]^2 / Ve["ev_m2", "ev_m2"])))

cat("== paired t and attrition Welch t, baseline 2021, follow-up 2023\n")
b <- d[d$year == 2021, c("organisation_id", "score_pct")]
f <- d[d$year == 2023, c("organisation_id", "score_pct")]
p <- merge(b, f, by = "organisation_id", suffixes = c("_b", "_f"))
tt <- t.test(p$score_pct_f, p$score_pct_b, paired = TRUE)
print(c(n = nrow(p), mean = unname(tt$estimate), ci_low = tt$conf.int[1],
        ci_high = tt$conf.int[2], p = tt$p.value))
stayed <- b$organisation_id %in% f$organisation_id
wt <- t.test(b$score_pct[stayed], b$score_pct[!stayed])
print(c(n_stayed = sum(stayed), n_left = sum(!stayed), t = unname(wt$statistic),
        df = unname(wt$parameter), p = wt$p.value))

cat("== m3 <- lmer(score_pct ~ year_c + type + (1 | organisation_id), data = d, REML = TRUE)\n")
m3 <- lmer(score_pct ~ year_c + type + (1 | organisation_id), data = d, REML = TRUE)
print(fixef(m3)); print(sqrt(diag(as.matrix(vcov(m3)))))
print(as.data.frame(VarCorr(m3))[, c("grp", "vcov")])
