DROP TABLE workbooks;
DROP TABLE action_definitions;
