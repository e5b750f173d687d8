"""Conversations: threads, what each message added, and forwarded authors."""
