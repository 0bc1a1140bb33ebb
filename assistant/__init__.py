"""The assistant: grounded answers about PIAO objectives, with citations.

    from assistant import Assistant
    assistant = Assistant.from_settings(get_settings())   # or Assistant(records)
    assistant.answer([Message(role="user", content="Chi è responsabile del regolamento TARI?")])
"""
from assistant.engine import Assistant
from assistant.querying.retrieve import DenseSearch
from assistant.types import Answer, Citation, Message, Mode, Plan

__all__ = ["Assistant", "Answer", "Citation", "DenseSearch", "Message", "Mode", "Plan"]
