"""The assistant: grounded answers about PIAO objectives, with citations."""
