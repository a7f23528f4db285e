from celery import shared_task


@shared_task
def webhook_deliver_task(delivery_id: int) -> str:
    """Send one webhook delivery (api.webhooks.delivery_attempt). Idempotent: a delivery
    already delivered or given up is not sent again."""
    from .webhooks import delivery_attempt

    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else "skipped"


@shared_task
def webhook_retries_task() -> int:
    """Beat, every minute: send the webhook retries whose time has come. Idempotent."""
    from .webhooks import deliveries_retry_due

    return deliveries_retry_due()
