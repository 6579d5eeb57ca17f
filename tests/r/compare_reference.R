# Reference values for tests/test_compare.py.
# Run from the repository root:  Rscript tests/r/compare_reference.R
# Reads tests/r/compare_groups.csv (written by tests/r/make_longitudinal_fixtures.py).
options(digits = 15)
d <- read.csv("tests/r/compare_groups.csv")
d$type <- factor(d$type)

cat("== oneway.test(score_pct ~ type, data = d, var.equal = FALSE)\n")
w <- oneway.test(score_pct ~ type, data = d, var.equal = FALSE)
print(c(F = unname(w$statistic), df1 = unname(w$parameter[1]), df2 = unname(w$parameter[2]),
        p = w$p.value))

cat("== classical ANOVA for omega squared: anova(lm(score_pct ~ type, data = d))\n")
a <- anova(lm(score_pct ~ type, data = d))
ss_b <- a[1, "Sum Sq"]; ms_w <- a[2, "Mean Sq"]; ss_t <- sum(a[, "Sum Sq"])
print(c(omega_squared = (ss_b - a[1, "Df"] * ms_w) / (ss_t + ms_w)))

cat("== kruskal.test(score_pct ~ type, data = d)\n")
k <- kruskal.test(score_pct ~ type, data = d)
n <- nrow(d)
print(c(H = unname(k$statistic), df = unname(k$parameter), p = k$p.value,
        epsilon_squared = unname(k$statistic) / ((n^2 - 1) / (n + 1))))

cat("== p.adjust\n")
p <- c(0.010, 0.040, 0.030, 0.005, 0.200, 0.041, NA, 0.900)
print(p.adjust(p, method = "holm"))
print(p.adjust(p, method = "BH"))
print(p.adjust(p, method = "bonferroni"))

cat("== Dunn (1964) by hand in base R, kommun vs myndighet (tie-corrected)\n")
r <- rank(d$score_pct)
ties <- table(d$score_pct)
s2 <- n * (n + 1) / 12 - sum(ties^3 - ties) / (12 * (n - 1))
ra <- r[d$type == "kommun"]; rb <- r[d$type == "myndighet"]
z <- (mean(ra) - mean(rb)) / sqrt(s2 * (1 / length(ra) + 1 / length(rb)))
print(c(z = z, p = 2 * pnorm(-abs(z))))

cat("== Games-Howell by hand with ptukey, kommun vs region\n")
xa <- d$score_pct[d$type == "kommun"]; xb <- d$score_pct[d$type == "region"]
va <- var(xa) / length(xa); vb <- var(xb) / length(xb)
t <- (mean(xa) - mean(xb)) / sqrt(va + vb)
nu <- (va + vb)^2 / (va^2 / (length(xa) - 1) + vb^2 / (length(xb) - 1))
print(c(t = t, df = nu, p = ptukey(sqrt(2) * abs(t), nlevels(d$type), nu, lower.tail = FALSE)))

cat("== Games-Howell interval, kommun vs region: diff +- qtukey(0.95, k, nu) / sqrt(2) * se\n")
q <- qtukey(0.95, nlevels(d$type), nu)
print(c(q = q, ci_low = mean(xa) - mean(xb) - q / sqrt(2) * sqrt(va + vb),
        ci_high = mean(xa) - mean(xb) + q / sqrt(2) * sqrt(va + vb)))

cat("== studentized range quantiles: qtukey(p, nmeans, df)\n")
print(qtukey(0.95, 3, 10))
print(qtukey(0.95, 5, c(6.381711, 12.933262, 108.16811)))  # R: NaN below df = 2
print(qtukey(0.99, 21, 40.7))  # (at df near 2 qtukey and ptukey are off by ~1e-3)
cat("== k = 2: the range of two is sqrt(2)|t|, exactly sqrt(2) * qt((1 + p) / 2, df)\n")
print(sqrt(2) * qt(0.95, 3.5))  # level 0.90
print(sqrt(2) * qt(0.975, 1.5))  # level 0.95
