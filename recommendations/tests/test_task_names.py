"""Celery task names are what queued messages and beat schedules carry: they survive the move into rooms."""
from celery import current_app

NAMES = ("recommendations.tasks.valuation_estimates_write_task", "recommendations.tasks.valuation_train_task",
         "recommendations.trends.tasks.market_trends_refresh_task")


def test_the_task_names_from_before_the_rooms_are_still_registered():
    registered = current_app.tasks
    assert registered[NAMES[0]].__module__ == "recommendations.valuation.tasks"
    assert registered[NAMES[1]].__module__ == "recommendations.valuation.tasks"
    assert registered[NAMES[2]].__module__ == "recommendations.market.tasks"


def test_every_scheduled_valuation_and_market_task_is_registered():
    scheduled = {entry["task"] for entry in current_app.conf.beat_schedule.values()
                 if entry["task"].startswith("recommendations.")}
    assert scheduled and scheduled <= set(NAMES[1:])  # weekly retraining, daily trends refresh
    assert scheduled <= set(current_app.tasks)  # the apps register their tasks when Django starts
