"""The AI app: three rooms, each its own Django app — valuation/, market/ (trends) and recommender/."""
