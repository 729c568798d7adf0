"""The second factor: a time-based code (TOTP) from an authenticator app, and backup codes.

django-otp keeps the devices (otp_totp, otp_static) and marks a session verified; this package
says who must have one (policy.py), enrols, verifies, renews backup codes and resets them
(services.py), and keeps every page but the login and the factor's own pages from a session
that has not passed it (middleware.py). The password login itself, guarded by django-axes, is
unchanged: the factor is asked on the next page.
"""
