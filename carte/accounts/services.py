def employee_for_token(token):
    return None
