"""Reminders: stored notifications, their delivery channels and the scans that create them.

The scans (complaints/reminders.py, standards/reminders.py) say what is due and to whom; this
package stores each reminder once (a unique key per object, kind, stage, recipient), holds it
for working hours, claims it with a filtered UPDATE and delivers it by e-mail and WeCom.
"""
