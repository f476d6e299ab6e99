-- Orders never have a negative amount once discounts are applied.
select order_id, amount
from {{ ref('fct_orders') }}
where amount < 0
