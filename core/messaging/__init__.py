"""Talking to users: in-app notifications, e-mail, webhooks and the daily reminders."""
