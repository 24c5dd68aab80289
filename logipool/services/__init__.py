"""Services: load rows, build domain values, call the domain libraries, persist (flush only)."""
