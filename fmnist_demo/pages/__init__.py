"""The app's pages (thin: widgets in, package calls, results out) and their shared wiring."""
