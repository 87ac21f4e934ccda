"""The staff back-office. Views translate HTTP to a service call and render; nothing more."""
