"""MesoLearn: a course-and-quiz platform. The core (everything but mesolearn/ui) imports no Streamlit."""
