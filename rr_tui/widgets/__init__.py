"""The dashboard's widgets. They read the store and post messages; they never talk HTTP."""
