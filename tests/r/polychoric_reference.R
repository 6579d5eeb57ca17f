# Reference values for tests/test_polychoric.py (R package psych).
# Run from the repository root:  Rscript tests/r/polychoric_reference.R
# Fixture (made by tests/r/make_cfa_fixtures.py): tests/r/cfa_fixture.csv; the 2023 round,
# items i1-i4 (one scale) and i1-i12, answers 1-5 with about 6 % NA.
suppressPackageStartupMessages(library(psych))
cat("# psych", as.character(packageVersion("psych")), "\n")
data <- read.csv("tests/r/cfa_fixture.csv")
y2023 <- data[data$year == 2023, paste0("i", 1:12)]
vec <- function(x) paste(sprintf("%.10f", x), collapse = ", ")
for (items in list(paste0("i", 1:4), paste0("i", 1:12))) {
  x <- y2023[, items]
  p <- polychoric(x)  # defaults: global = TRUE, correct = 0.5, smooth = TRUE
  cat("# items", paste(items, collapse = " "), "\n")
  cat("polychoric(x)$tau[, 1:2] =", vec(p$tau[, 1:2]), "\n")
  cat("polychoric(x)$rho lower triangle (by column) =", vec(p$rho[lower.tri(p$rho)]), "\n")
  a <- alpha(p$rho, warnings = FALSE)
  cat("alpha(polychoric(x)$rho)$total$raw_alpha =", sprintf("%.10f", a$total$raw_alpha), "\n")
  f <- fa(p$rho, nfactors = 1, fm = "ml")
  l <- as.numeric(f$loadings)
  cat("omega from fa(rho, nfactors = 1, fm = \"ml\") loadings =",
      sprintf("%.10f", sum(l)^2 / (sum(l)^2 + sum(1 - l^2))), "\n")
  o <- suppressWarnings(omega(p$rho, nfactors = 1, plot = FALSE))
  cat("omega(rho, nfactors = 1)$omega.tot (not compared) =", sprintf("%.10f", o$omega.tot), "\n")
}
