"""run/worker"""
