def notification_send(**kwargs):
    from feedback.services import (
        notification_send as send,  # replaced by the notifications app at merge
    )

    return send(**kwargs)
