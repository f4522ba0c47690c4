"""Functions host: serves HTTP functions and delivers database triggers as CloudEvents."""
