"""The value benchmark's report: statistics, the typed report, Markdown and plots."""
